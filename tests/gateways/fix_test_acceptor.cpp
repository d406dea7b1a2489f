// Test-only QuickFIX acceptor (C++14: it includes QuickFIX; see the header).
#include "fix_test_acceptor.hpp"

#include <quickfix/Application.h>
#include <quickfix/DataDictionary.h>
#include <quickfix/DataDictionaryProvider.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/Values.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace ballast {
namespace testing {
namespace {

const char kVenue[] = "VENUE";
const char kBallast[] = "BALLAST";

std::string field_or_empty(const FIX::FieldMap& map, int tag) {
  return map.isSetField(tag) ? map.getField(tag) : std::string();
}

void set_if(FIX::FieldMap& map, int tag, const std::string& value) {
  if (!value.empty()) map.setField(tag, value);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"  // FIX::Application's throw() specifications

class AcceptorApp final : public FIX::Application {
 public:
  mutable std::mutex mu;
  std::vector<AcceptedOrder> orders;
  std::atomic<bool> logged_on{false};
  std::atomic<std::size_t> business_rejects{0};
  std::atomic<std::size_t> session_rejects{0};
  std::atomic<std::size_t> gap_fills{0};
  mutable std::mutex logon_mu;
  std::string logon_username;
  std::string logon_password;
  std::string refuse_text;  // non-empty: RejectLogon with it
  std::atomic<double> max_qty{0.0};
  std::atomic<int> next_exec_id{1};
  std::atomic<bool> poss_dup_next{false};
  std::vector<AcceptedMdRequest> md_requests;
  FIX::SessionID session_id;

  void onCreate(const FIX::SessionID& id) override { session_id = id; }
  void onLogon(const FIX::SessionID&) override { logged_on = true; }
  void onLogout(const FIX::SessionID&) override { logged_on = false; }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message& m, const FIX::SessionID&) throw(FIX::DoNotSend) override {
    if (!poss_dup_next.exchange(false)) return;
    FIX::Header& h = m.getHeader();
    h.setField(FIX::FIELD::PossDupFlag, "Y");
    h.setField(FIX::FIELD::OrigSendingTime, field_or_empty(h, FIX::FIELD::SendingTime));
  }

  void fromAdmin(const FIX::Message& m,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {
    const std::string type = field_or_empty(m.getHeader(), FIX::FIELD::MsgType);
    if (type == FIX::MsgType_Logon) {
      std::lock_guard<std::mutex> lock(logon_mu);
      logon_username = field_or_empty(m, FIX::FIELD::Username);
      logon_password = field_or_empty(m, FIX::FIELD::Password);
      if (!refuse_text.empty()) throw FIX::RejectLogon(refuse_text);
    }
    if (type == FIX::MsgType_Reject) ++session_rejects;
    if (type == FIX::MsgType_SequenceReset && field_or_empty(m, FIX::FIELD::GapFillFlag) == "Y")
      ++gap_fills;
  }

  void fromApp(const FIX::Message& m,
               const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                            FIX::IncorrectTagValue,
                                            FIX::UnsupportedMessageType) override {
    const std::string type = field_or_empty(m.getHeader(), FIX::FIELD::MsgType);
    if (type == FIX::MsgType_BusinessMessageReject) {
      ++business_rejects;
      return;
    }
    if (type == FIX::MsgType_MarketDataRequest) {
      AcceptedMdRequest r;
      r.md_req_id = field_or_empty(m, FIX::FIELD::MDReqID);
      r.subscription_type = field_or_empty(m, FIX::FIELD::SubscriptionRequestType);
      r.market_depth = field_or_empty(m, FIX::FIELD::MarketDepth);
      r.update_type = field_or_empty(m, FIX::FIELD::MDUpdateType);
      r.no_entry_types = field_or_empty(m, FIX::FIELD::NoMDEntryTypes);
      r.no_related_sym = field_or_empty(m, FIX::FIELD::NoRelatedSym);
      for (std::size_t i = 1; i <= m.groupCount(FIX::FIELD::NoMDEntryTypes); ++i)
        r.entry_types.push_back(
            field_or_empty(m.getGroupRef(static_cast<int>(i), FIX::FIELD::NoMDEntryTypes),
                           FIX::FIELD::MDEntryType));
      for (std::size_t i = 1; i <= m.groupCount(FIX::FIELD::NoRelatedSym); ++i)
        r.symbols.push_back(field_or_empty(
            m.getGroupRef(static_cast<int>(i), FIX::FIELD::NoRelatedSym), FIX::FIELD::Symbol));
      std::lock_guard<std::mutex> lock(mu);
      md_requests.push_back(r);
      return;
    }
    if (type != FIX::MsgType_NewOrderSingle && type != FIX::MsgType_OrderCancelRequest &&
        type != FIX::MsgType_OrderCancelReplaceRequest && type != FIX::MsgType_OrderStatusRequest)
      throw FIX::UnsupportedMessageType();
    AcceptedOrder o;
    o.msg_type = type;
    o.cl_ord_id = field_or_empty(m, FIX::FIELD::ClOrdID);
    o.orig_cl_ord_id = field_or_empty(m, FIX::FIELD::OrigClOrdID);
    o.symbol = field_or_empty(m, FIX::FIELD::Symbol);
    o.side = field_or_empty(m, FIX::FIELD::Side);
    o.qty = field_or_empty(m, FIX::FIELD::OrderQty);
    o.price = field_or_empty(m, FIX::FIELD::Price);
    o.ord_type = field_or_empty(m, FIX::FIELD::OrdType);
    o.time_in_force = field_or_empty(m, FIX::FIELD::TimeInForce);
    o.transact_time = field_or_empty(m, FIX::FIELD::TransactTime);
    o.status_req_id = field_or_empty(m, FIX::FIELD::OrdStatusReqID);
    o.seq_num = std::atoi(field_or_empty(m.getHeader(), FIX::FIELD::MsgSeqNum).c_str());
    o.poss_dup = field_or_empty(m.getHeader(), FIX::FIELD::PossDupFlag) == "Y";
    {
      std::lock_guard<std::mutex> lock(mu);
      orders.push_back(o);
    }
    const double limit = max_qty.load();
    if (type == FIX::MsgType_NewOrderSingle && limit > 0.0 &&
        std::strtod(o.qty.c_str(), nullptr) > limit) {
      ExecSpec r;
      r.cl_ord_id = o.cl_ord_id;
      r.exec_type = "8";
      r.ord_status = "8";
      r.symbol = o.symbol;
      r.side = o.side;
      r.cum_qty = "0";
      r.leaves_qty = "0";
      r.ord_rej_reason = "13";  // incorrect quantity
      send_execution(r);
    }
  }

  bool send(FIX::Message& m) {
    try {
      return FIX::Session::sendToTarget(m, session_id);
    } catch (const FIX::SessionNotFound&) {
      return false;
    }
  }

  bool send_execution(const ExecSpec& s, const ExecExtra& extra = ExecExtra()) {
    FIX::Message m;
    m.getHeader().setField(FIX::MsgType(FIX::MsgType_ExecutionReport));
    const int n = next_exec_id++;
    m.setField(FIX::FIELD::OrderID, "O" + std::to_string(n));
    m.setField(FIX::FIELD::ExecID, extra.exec_id.empty() ? "E" + std::to_string(n) : extra.exec_id);
    m.setField(FIX::FIELD::AvgPx, extra.avg_px.empty() ? "0" : extra.avg_px);
    set_if(m, FIX::FIELD::OrdStatusReqID, extra.ord_status_req_id);
    set_if(m, FIX::FIELD::ClOrdID, s.cl_ord_id);
    set_if(m, FIX::FIELD::OrigClOrdID, s.orig_cl_ord_id);
    set_if(m, FIX::FIELD::ExecType, s.exec_type);
    set_if(m, FIX::FIELD::OrdStatus, s.ord_status);
    set_if(m, FIX::FIELD::Symbol, s.symbol);
    set_if(m, FIX::FIELD::Side, s.side);
    set_if(m, FIX::FIELD::LastQty, s.last_qty);
    set_if(m, FIX::FIELD::LastPx, s.last_px);
    set_if(m, FIX::FIELD::CumQty, s.cum_qty);
    set_if(m, FIX::FIELD::LeavesQty, s.leaves_qty);
    set_if(m, FIX::FIELD::Commission, s.commission);
    set_if(m, FIX::FIELD::CommType, s.comm_type);
    set_if(m, FIX::FIELD::OrdRejReason, s.ord_rej_reason);
    return send(m);
  }
};

#pragma GCC diagnostic pop

}  // namespace

struct FixTestAcceptor::Impl {
  AcceptorApp app;
  FIX::SessionSettings settings;
  std::unique_ptr<FIX::FileStoreFactory> store;
  std::unique_ptr<FIX::SocketAcceptor> acceptor;
  bool started = false;

  FIX::Session* session() const { return FIX::Session::lookupSession(app.session_id); }
};

FixTestAcceptor::FixTestAcceptor(int port, const std::string& store_dir) : impl_(new Impl) {
  std::ostringstream cfg;
  cfg << "[DEFAULT]\n"
      << "ConnectionType=acceptor\n"
      << "SocketAcceptPort=" << port << "\n"
      << "SocketReuseAddress=Y\n"
      << "FileStorePath=" << store_dir << "\n"
      << "StartTime=00:00:00\nEndTime=00:00:00\n"
      << "UseDataDictionary=N\n"
      << "[SESSION]\n"
      << "BeginString=FIX.4.4\n"
      << "SenderCompID=" << kVenue << "\n"
      << "TargetCompID=" << kBallast << "\n";
  try {
    std::istringstream in(cfg.str());
    impl_->settings = FIX::SessionSettings(in);
    impl_->store.reset(new FIX::FileStoreFactory(impl_->settings));
    impl_->acceptor.reset(new FIX::SocketAcceptor(impl_->app, *impl_->store, impl_->settings));
    // Without a dictionary QuickFIX refuses any repeated tag: declare V's two groups.
    std::shared_ptr<FIX::DataDictionary> dd(new FIX::DataDictionary);
    FIX::DataDictionary entry_types;
    entry_types.addField(FIX::FIELD::MDEntryType);
    FIX::DataDictionary related;
    related.addField(FIX::FIELD::Symbol);
    dd->addGroup(FIX::MsgType_MarketDataRequest, FIX::FIELD::NoMDEntryTypes,
                 FIX::FIELD::MDEntryType, entry_types);
    dd->addGroup(FIX::MsgType_MarketDataRequest, FIX::FIELD::NoRelatedSym, FIX::FIELD::Symbol,
                 related);
    FIX::DataDictionaryProvider provider;
    provider.addTransportDataDictionary(FIX::BeginString(FIX::BeginString_FIX44), dd);
    const FIX::SessionID id(FIX::BeginString_FIX44, kVenue, kBallast);
    if (FIX::Session* s = impl_->acceptor->getSession(id)) s->setDataDictionaryProvider(provider);
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(std::string("test acceptor: ") + e.what());
  }
}

FixTestAcceptor::~FixTestAcceptor() {
  stop();
}

void FixTestAcceptor::start() {
  if (impl_->started) return;
  try {
    impl_->acceptor->start();
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(std::string("test acceptor: ") + e.what());
  }
  impl_->started = true;
}

void FixTestAcceptor::stop() {
  if (!impl_->started) return;
  impl_->started = false;
  impl_->acceptor->stop(true);
}

bool FixTestAcceptor::logged_on() const {
  return impl_->app.logged_on.load();
}
void FixTestAcceptor::set_max_qty(double max_qty) {
  impl_->app.max_qty = max_qty;
}

std::vector<AcceptedOrder> FixTestAcceptor::orders() const {
  std::lock_guard<std::mutex> lock(impl_->app.mu);
  return impl_->app.orders;
}
std::size_t FixTestAcceptor::business_rejects_received() const {
  return impl_->app.business_rejects.load();
}
std::size_t FixTestAcceptor::session_rejects_received() const {
  return impl_->app.session_rejects.load();
}
std::string FixTestAcceptor::last_logon_username() const {
  std::lock_guard<std::mutex> lock(impl_->app.logon_mu);
  return impl_->app.logon_username;
}
void FixTestAcceptor::refuse_logons(const std::string& text) {
  std::lock_guard<std::mutex> lock(impl_->app.logon_mu);
  impl_->app.refuse_text = text;
}
std::string FixTestAcceptor::last_logon_password() const {
  std::lock_guard<std::mutex> lock(impl_->app.logon_mu);
  return impl_->app.logon_password;
}
std::size_t FixTestAcceptor::gap_fills_received() const {
  return impl_->app.gap_fills.load();
}

bool FixTestAcceptor::send_execution(const ExecSpec& spec) {
  return impl_->app.send_execution(spec);
}

bool FixTestAcceptor::send_execution(const ExecSpec& spec, const ExecExtra& extra) {
  return impl_->app.send_execution(spec, extra);
}

std::vector<AcceptedMdRequest> FixTestAcceptor::md_requests() const {
  std::lock_guard<std::mutex> lock(impl_->app.mu);
  return impl_->app.md_requests;
}

bool FixTestAcceptor::send_market_data(const std::string& msg_type, const RawFields& body,
                                       const std::vector<MdEntryFields>& entries) {
  FIX::Message m;
  m.getHeader().setField(FIX::MsgType(msg_type));
  for (const auto& f : body) m.setField(f.first, f.second);
  const int delim = msg_type == "X" ? FIX::FIELD::MDUpdateAction : FIX::FIELD::MDEntryType;
  for (const auto& e : entries) {
    FIX::Group g(FIX::FIELD::NoMDEntries, delim);
    for (const auto& f : e) g.setField(f.first, f.second);
    m.addGroup(g);
  }
  return impl_->app.send(m);
}

void FixTestAcceptor::flag_next_poss_dup() {
  impl_->app.poss_dup_next = true;
}

bool FixTestAcceptor::send_cancel_reject(const std::string& cl_ord_id,
                                         const std::string& orig_cl_ord_id,
                                         const std::string& ord_status,
                                         const std::string& cxl_rej_reason) {
  FIX::Message m;
  m.getHeader().setField(FIX::MsgType(FIX::MsgType_OrderCancelReject));
  m.setField(FIX::FIELD::OrderID, "NONE");
  set_if(m, FIX::FIELD::ClOrdID, cl_ord_id);
  set_if(m, FIX::FIELD::OrigClOrdID, orig_cl_ord_id);
  set_if(m, FIX::FIELD::OrdStatus, ord_status);
  m.setField(FIX::FIELD::CxlRejResponseTo, "1");
  set_if(m, FIX::FIELD::CxlRejReason, cxl_rej_reason);
  return impl_->app.send(m);
}

bool FixTestAcceptor::send_raw(const std::string& msg_type, const RawFields& fields) {
  FIX::Message m;
  m.getHeader().setField(FIX::MsgType(msg_type));
  for (const auto& f : fields) m.setField(f.first, f.second);
  return impl_->app.send(m);
}

bool FixTestAcceptor::send_test_request(const std::string& id) {
  FIX::Message m;
  m.getHeader().setField(FIX::MsgType(FIX::MsgType_TestRequest));
  m.setField(FIX::FIELD::TestReqID, id);
  return impl_->app.send(m);
}

int FixTestAcceptor::next_target_seq() const {
  FIX::Session* s = impl_->session();
  return s ? s->getExpectedTargetNum() : 0;
}

void FixTestAcceptor::set_next_target_seq(int seq) {
  if (FIX::Session* s = impl_->session()) s->setNextTargetMsgSeqNum(seq);
}

void FixTestAcceptor::logout() {
  if (FIX::Session* s = impl_->session()) s->logout("test: drop the session");
}

void FixTestAcceptor::allow_logon() {
  if (FIX::Session* s = impl_->session()) s->logon();
}

}  // namespace testing
}  // namespace ballast
