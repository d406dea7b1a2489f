// Test-only QuickFIX acceptor (C++14: it includes QuickFIX; see the header).
#include "fix_test_acceptor.hpp"

#include <quickfix/Application.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/Values.h>

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
  std::atomic<double> max_qty{0.0};
  std::atomic<int> next_exec_id{1};
  FIX::SessionID session_id;

  void onCreate(const FIX::SessionID& id) override { session_id = id; }
  void onLogon(const FIX::SessionID&) override { logged_on = true; }
  void onLogout(const FIX::SessionID&) override { logged_on = false; }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}

  void fromAdmin(const FIX::Message& m,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {
    const std::string type = field_or_empty(m.getHeader(), FIX::FIELD::MsgType);
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
    if (type != FIX::MsgType_NewOrderSingle && type != FIX::MsgType_OrderCancelRequest &&
        type != FIX::MsgType_OrderCancelReplaceRequest)
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

  bool send_execution(const ExecSpec& s) {
    FIX::Message m;
    m.getHeader().setField(FIX::MsgType(FIX::MsgType_ExecutionReport));
    const int n = next_exec_id++;
    m.setField(FIX::FIELD::OrderID, "O" + std::to_string(n));
    m.setField(FIX::FIELD::ExecID, "E" + std::to_string(n));
    m.setField(FIX::FIELD::AvgPx, "0");
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
std::size_t FixTestAcceptor::gap_fills_received() const {
  return impl_->app.gap_fills.load();
}

bool FixTestAcceptor::send_execution(const ExecSpec& spec) {
  return impl_->app.send_execution(spec);
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
