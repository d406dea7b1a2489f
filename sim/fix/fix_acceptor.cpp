// The venue simulator's QuickFIX acceptor. Compiled as C++14 (see fix_acceptor.hpp): the
// only file of the simulator that includes QuickFIX, and it includes nothing of Ballast.
#include "fix_acceptor.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <quickfix/Application.h>
#include <quickfix/DataDictionary.h>
#include <quickfix/DataDictionaryProvider.h>
#include <quickfix/Exceptions.h>
#include <quickfix/Fields.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/Values.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ballast {
namespace venue_fix {
namespace {

std::string field_or_empty(const FIX::FieldMap& map, int tag) {
  return map.isSetField(tag) ? map.getField(tag) : std::string();
}

// A required single-character field: FieldNotFound when absent (QuickFIX answers a
// BusinessMessageReject), IncorrectDataFormat when not exactly one character (a Reject).
char one_char(const FIX::FieldMap& map, int tag, bool required) {
  if (!map.isSetField(tag)) {
    if (required) throw FIX::FieldNotFound(tag);
    return 0;
  }
  const std::string& s = map.getField(tag);
  if (s.size() != 1) throw FIX::IncorrectDataFormat(tag, s);
  return s[0];
}

std::string required(const FIX::FieldMap& map, int tag) {
  if (!map.isSetField(tag)) throw FIX::FieldNotFound(tag);
  const std::string& s = map.getField(tag);
  if (s.empty()) throw FIX::IncorrectDataFormat(tag, s);
  return s;
}

// Whether QuickFIX will be able to listen on `port` (same options as its SocketServer).
// Checked first because SocketAcceptor leaks its half-built server when the bind fails.
std::string port_problem(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::strerror(errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  std::string problem;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0)
    problem = std::strerror(errno);
  ::close(fd);
  return problem;
}

void set_if(FIX::FieldMap& map, int tag, const std::string& value) {
  if (!value.empty()) map.setField(tag, value);
}

// The dialect's inbound repeating groups (MarketDataRequest's NoMDEntryTypes and
// NoRelatedSym) for sessions without a data dictionary: QuickFIX refuses a repeated tag
// outside a group it knows (Reject 373=13), so it must know these two. No version is set,
// so nothing else is validated (as with no dictionary). Same idea as the gateway's
// dialect_dictionary() for W and X (gateways/fix/fix_session.cpp).
FIX::DataDictionary* dialect_dictionary() {
  FIX::DataDictionary* dd = new FIX::DataDictionary;
  FIX::DataDictionary entry_types;
  entry_types.addField(FIX::FIELD::MDEntryType);
  FIX::DataDictionary related;
  const int instrument_fields[] = {
      FIX::FIELD::Symbol, 65, 48, 22, 460, 461, 167, 200, 541, 207, 15, 336, 625};
  for (int f : instrument_fields) related.addField(f);
  dd->addGroup(FIX::MsgType_MarketDataRequest, FIX::FIELD::NoMDEntryTypes, FIX::FIELD::MDEntryType,
               entry_types);
  dd->addGroup(FIX::MsgType_MarketDataRequest, FIX::FIELD::NoRelatedSym, FIX::FIELD::Symbol,
               related);
  return dd;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"  // FIX::Application's throw() specifications

class AcceptorApplication final : public FIX::Application {
 public:
  explicit AcceptorApplication(AcceptorEvents& events) : events_(events) {}

  // Sessions logged out by drop_all: enabled again once they are down.
  void mark_dropping(const std::string& session) {
    std::lock_guard<std::mutex> lock(drop_mu_);
    dropping_.insert(session);
  }

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override { events_.on_logon(id.toString()); }
  void onLogout(const FIX::SessionID& id) override {
    const std::string text = id.toString();
    bool reenable = false;
    {
      std::lock_guard<std::mutex> lock(drop_mu_);
      reenable = dropping_.erase(text) > 0;
    }
    // Session::logon() only flips the session's enabled flag (no lock of QuickFIX's).
    if (reenable)
      if (FIX::Session* s = FIX::Session::lookupSession(id)) s->logon();
    events_.on_logout(text);
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  // Market data is never resent: a ResendRequest gets a gap fill for it instead of stale
  // quotes (QuickFIX turns DoNotSend during a resend into a SequenceReset-GapFill).
  void toApp(FIX::Message& m, const FIX::SessionID&) throw(FIX::DoNotSend) override {
    const FIX::FieldMap& h = m.getHeader();
    if (!h.isSetField(FIX::FIELD::PossDupFlag) || h.getField(FIX::FIELD::PossDupFlag) != "Y")
      return;
    const std::string type = field_or_empty(h, FIX::FIELD::MsgType);
    if (type == "W" || type == "X" || type == "Y") throw FIX::DoNotSend();
  }
  void fromAdmin(const FIX::Message& m,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {
    if (field_or_empty(m.getHeader(), FIX::FIELD::MsgType) != "A" || port_ <= 0) return;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
      std::ifstream f(table);
      std::stringstream text;
      text << f.rdbuf();
      const std::string peer = non_loopback_peer(text.str(), port_);
      if (!peer.empty())
        throw FIX::RejectLogon("the venue simulator serves loopback peers only (" + peer + ")");
    }
  }
  void set_port(int port) { port_ = port; }

  // Order entry only; anything else is answered with a BusinessMessageReject
  // (UnsupportedMessageType). A missing required field becomes a BusinessMessageReject,
  // a malformed one a session Reject naming the tag.
  void fromApp(const FIX::Message& m,
               const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                               FIX::IncorrectTagValue,
                                               FIX::UnsupportedMessageType) override {
    const std::string type = field_or_empty(m.getHeader(), FIX::FIELD::MsgType);
    if (type == FIX::MsgType_BusinessMessageReject) return;  // the client's complaint
    InboundVerdict v;
    if (type == FIX::MsgType_MarketDataRequest) {
      InboundMarketDataRequest r;
      r.md_req_id = required(m, FIX::FIELD::MDReqID);
      r.subscription_type = one_char(m, FIX::FIELD::SubscriptionRequestType, true);
      // No data dictionary: the NoRelatedSym group is flat, every 55 in order.
      for (FIX::FieldMap::const_iterator it = m.begin(); it != m.end(); ++it)
        if (it->getTag() == FIX::FIELD::Symbol) r.symbols.push_back(it->getString());
      for (FIX::FieldMap::g_const_iterator g = m.g_begin(); g != m.g_end(); ++g)
        for (const FIX::FieldMap* entry : g->second)
          if (entry->isSetField(FIX::FIELD::Symbol))
            r.symbols.push_back(entry->getField(FIX::FIELD::Symbol));
      if (r.symbols.empty()) throw FIX::FieldNotFound(FIX::FIELD::Symbol);
      v = events_.on_market_data_request(id.toString(), r);
    } else if (type == FIX::MsgType_RequestForPositions) {
      InboundPositionRequest r;
      r.pos_req_id = required(m, FIX::FIELD::PosReqID);
      r.pos_req_type = required(m, FIX::FIELD::PosReqType);
      v = events_.on_positions_request(id.toString(), r);
    } else {
      if (type != FIX::MsgType_NewOrderSingle && type != FIX::MsgType_OrderCancelRequest &&
          type != FIX::MsgType_OrderCancelReplaceRequest && type != FIX::MsgType_OrderStatusRequest)
        throw FIX::UnsupportedMessageType();
      const bool is_new = type == FIX::MsgType_NewOrderSingle;
      const bool is_replace = type == FIX::MsgType_OrderCancelReplaceRequest;
      const bool is_status = type == FIX::MsgType_OrderStatusRequest;
      InboundOrder o;
      o.msg_type = type[0];
      o.cl_ord_id = required(m, FIX::FIELD::ClOrdID);
      if (!is_new && !is_status) o.orig_cl_ord_id = required(m, FIX::FIELD::OrigClOrdID);
      o.symbol = required(m, FIX::FIELD::Symbol);
      o.side = one_char(m, FIX::FIELD::Side, true);
      if (is_new || is_replace) {
        o.qty = required(m, FIX::FIELD::OrderQty);
        o.ord_type = one_char(m, FIX::FIELD::OrdType, true);
      } else {
        o.qty = field_or_empty(m, FIX::FIELD::OrderQty);
      }
      o.price = field_or_empty(m, FIX::FIELD::Price);
      o.time_in_force = one_char(m, FIX::FIELD::TimeInForce, false);
      o.exec_inst = field_or_empty(m, FIX::FIELD::ExecInst);
      o.status_req_id = field_or_empty(m, FIX::FIELD::OrdStatusReqID);
      v = events_.on_order(id.toString(), o);
    }
    switch (v.kind) {
      case InboundVerdict::accepted:
        return;
      case InboundVerdict::missing_field:
        throw FIX::FieldNotFound(v.tag);
      case InboundVerdict::bad_value:
        throw FIX::IncorrectTagValue(v.tag);
      case InboundVerdict::unsupported:
        throw FIX::UnsupportedMessageType();
    }
  }

 private:
  int port_ = 0;
  AcceptorEvents& events_;
  std::mutex drop_mu_;
  std::set<std::string> dropping_;
};

#pragma GCC diagnostic pop

}  // namespace

std::string non_loopback_peer(const std::string& text, int port) {
  // Lines: "sl local_address rem_address st ...", addresses as hex IP (network order
  // bytes printed as a little-endian word on x86) and hex port; st 01 = ESTABLISHED.
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string sl, local, remote, state;
    if (!(fields >> sl >> local >> remote >> state) || state != "01") continue;
    const std::size_t lc = local.find(':'), rc = remote.find(':');
    if (lc == std::string::npos || rc == std::string::npos) continue;
    if (std::strtol(local.c_str() + lc + 1, nullptr, 16) != port) continue;
    const std::string addr = remote.substr(0, rc);
    bool loopback = false;
    if (addr.size() == 8) {  // IPv4: the first octet is the last byte printed
      loopback = addr.compare(6, 2, "7F") == 0;
    } else if (addr.size() == 32) {  // IPv6: ::1, or ::ffff:127.x.y.z
      loopback =
          addr == "00000000000000000000000001000000" ||
          (addr.compare(0, 24, "0000000000000000FFFF0000") == 0 && addr.compare(30, 2, "7F") == 0);
    }
    if (loopback) continue;
    const long peer_port = std::strtol(remote.c_str() + rc + 1, nullptr, 16);
    if (addr.size() == 8) {
      const unsigned long v = std::strtoul(addr.c_str(), nullptr, 16);
      return std::to_string(v & 0xFF) + "." + std::to_string((v >> 8) & 0xFF) + "." +
             std::to_string((v >> 16) & 0xFF) + "." + std::to_string((v >> 24) & 0xFF) + ":" +
             std::to_string(peer_port);
    }
    return addr + ":" + std::to_string(peer_port);
  }
  return std::string();
}

struct FixAcceptor::Impl {
  explicit Impl(AcceptorEvents& events) : app(events) {}
  int port = 0;
  AcceptorApplication app;
  FIX::SessionSettings settings;
  std::unique_ptr<FIX::FileStoreFactory> store;
  std::unique_ptr<FIX::FileLogFactory> log;
  std::unique_ptr<FIX::SocketAcceptor> acceptor;
  std::map<std::string, FIX::SessionID> sessions;  // immutable after construction
  std::mutex mu;
  bool started = false;

  bool send(const std::string& session, FIX::Message& m) {
    auto it = sessions.find(session);
    if (it == sessions.end()) return false;
    try {
      return FIX::Session::sendToTarget(m, it->second);
    } catch (const std::exception&) {
      return false;
    }
  }
};

FixAcceptor::FixAcceptor(const AcceptorOptions& options, AcceptorEvents& events)
    : impl_(new Impl(events)) {
  impl_->port = options.port;
  impl_->app.set_port(options.port);
  std::vector<std::string> targets = options.target_comp_ids;
  if (targets.empty()) targets.push_back("BALLAST");
  std::ostringstream cfg;
  cfg << "[DEFAULT]\n"
      << "ConnectionType=acceptor\n"
      << "SocketAcceptPort=" << options.port << "\n"
      << "SocketReuseAddress=Y\n"
      << "SocketNodelay=Y\n"
      << "FileStorePath=" << options.store_path << "\n"
      << "StartTime=00:00:00\nEndTime=00:00:00\n"
      << "UseDataDictionary=N\n"
      << "HeartBtInt=" << options.heartbeat_s << "\n";
  if (!options.log_path.empty()) cfg << "FileLogPath=" << options.log_path << "\n";
  for (const std::string& t : targets)
    cfg << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=" << options.sender_comp_id
        << "\nTargetCompID=" << t << "\n";
  try {
    std::istringstream in(cfg.str());
    impl_->settings = FIX::SessionSettings(in);
    for (const FIX::SessionID& id : impl_->settings.getSessions())
      impl_->sessions.emplace(id.toString(), id);
    impl_->store.reset(new FIX::FileStoreFactory(impl_->settings));
    if (!options.log_path.empty()) {
      impl_->log.reset(new FIX::FileLogFactory(impl_->settings));
      impl_->acceptor.reset(
          new FIX::SocketAcceptor(impl_->app, *impl_->store, impl_->settings, *impl_->log));
    } else {
      impl_->acceptor.reset(new FIX::SocketAcceptor(impl_->app, *impl_->store, impl_->settings));
    }
    for (const auto& kv : impl_->sessions) {
      FIX::Session* session = FIX::Session::lookupSession(kv.second);
      if (!session) continue;
      FIX::DataDictionaryProvider provider;
      provider.addTransportDataDictionary(
          FIX::BeginString(kv.second.getBeginString()),
          ptr::shared_ptr<FIX::DataDictionary>(dialect_dictionary()));
      session->setDataDictionaryProvider(provider);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("FIX acceptor: ") + e.what());
  }
}

FixAcceptor::~FixAcceptor() {
  stop();
}

void FixAcceptor::start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->started) return;
  const std::string problem = port_problem(impl_->port);
  if (!problem.empty())
    throw std::runtime_error("FIX acceptor: cannot listen on port " + std::to_string(impl_->port) +
                             ": " + problem);
  try {
    impl_->acceptor->start();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("FIX acceptor: ") + e.what());
  }
  impl_->started = true;
}

void FixAcceptor::stop() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->started) return;
  impl_->started = false;
  // Log every live session out ourselves and wait briefly for the replies, then stop by
  // force: Acceptor::stop(false) waits for logouts in whole seconds.
  try {
    for (const auto& kv : impl_->sessions)
      if (FIX::Session* s = FIX::Session::lookupSession(kv.second))
        if (s->isLoggedOn()) s->logout("venue shutting down");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
    while (std::chrono::steady_clock::now() < deadline) {
      bool any = false;
      for (const auto& kv : impl_->sessions)
        if (FIX::Session* s = FIX::Session::lookupSession(kv.second)) any = any || s->isLoggedOn();
      if (!any) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    impl_->acceptor->stop(true);
  } catch (const std::exception&) {
  }
}

bool FixAcceptor::send(const std::string& session, const OutboundExecution& s) {
  FIX::Message m;
  m.getHeader().setField(FIX::MsgType(FIX::MsgType_ExecutionReport));
  m.setField(FIX::FIELD::OrderID, s.order_id.empty() ? std::string("NONE") : s.order_id);
  m.setField(FIX::FIELD::ExecID, s.exec_id.empty() ? std::string("0") : s.exec_id);
  set_if(m, FIX::FIELD::ClOrdID, s.cl_ord_id);
  set_if(m, FIX::FIELD::OrigClOrdID, s.orig_cl_ord_id);
  m.setField(FIX::FIELD::ExecType, std::string(1, s.exec_type));
  m.setField(FIX::FIELD::OrdStatus, std::string(1, s.ord_status));
  set_if(m, FIX::FIELD::Symbol, s.symbol);
  m.setField(FIX::FIELD::Side, std::string(1, s.side));
  if (s.ord_type) m.setField(FIX::FIELD::OrdType, std::string(1, s.ord_type));
  if (s.time_in_force) m.setField(FIX::FIELD::TimeInForce, std::string(1, s.time_in_force));
  set_if(m, FIX::FIELD::OrderQty, s.order_qty);
  set_if(m, FIX::FIELD::Price, s.price);
  set_if(m, FIX::FIELD::LastQty, s.last_qty);
  set_if(m, FIX::FIELD::LastPx, s.last_px);
  m.setField(FIX::FIELD::CumQty, s.cum_qty.empty() ? std::string("0") : s.cum_qty);
  m.setField(FIX::FIELD::LeavesQty, s.leaves_qty.empty() ? std::string("0") : s.leaves_qty);
  m.setField(FIX::FIELD::AvgPx, s.avg_px.empty() ? std::string("0") : s.avg_px);
  if (!s.commission.empty()) {
    m.setField(FIX::FIELD::Commission, s.commission);
    m.setField(FIX::FIELD::CommType, "3");
  }
  if (s.ord_rej_reason >= 0) m.setField(FIX::FIELD::OrdRejReason, std::to_string(s.ord_rej_reason));
  set_if(m, FIX::FIELD::Text, s.text);
  set_if(m, FIX::FIELD::OrdStatusReqID, s.status_req_id);
  return impl_->send(session, m);
}

bool FixAcceptor::send(const std::string& session, const OutboundCancelReject& s) {
  FIX::Message m;
  m.getHeader().setField(FIX::MsgType(FIX::MsgType_OrderCancelReject));
  m.setField(FIX::FIELD::OrderID, s.order_id.empty() ? std::string("NONE") : s.order_id);
  set_if(m, FIX::FIELD::ClOrdID, s.cl_ord_id);
  set_if(m, FIX::FIELD::OrigClOrdID, s.orig_cl_ord_id);
  m.setField(FIX::FIELD::OrdStatus, std::string(1, s.ord_status));
  m.setField(FIX::FIELD::CxlRejResponseTo, std::string(1, s.response_to));
  m.setField(FIX::FIELD::CxlRejReason, std::to_string(s.cxl_rej_reason));
  set_if(m, FIX::FIELD::Symbol, s.symbol);
  set_if(m, FIX::FIELD::Text, s.text);
  return impl_->send(session, m);
}

bool FixAcceptor::send(const std::string& session, const OutboundMarketData& s) {
  FIX::Message m;
  m.getHeader().setField(FIX::MsgType(s.incremental ? FIX::MsgType_MarketDataIncrementalRefresh
                                                    : FIX::MsgType_MarketDataSnapshotFullRefresh));
  set_if(m, FIX::FIELD::MDReqID, s.md_req_id);
  if (!s.incremental) set_if(m, FIX::FIELD::Symbol, s.symbol);
  set_if(m, 5701, s.funding_rate);
  set_if(m, 5702, s.next_funding);
  // A real group on the wire (a receiver with a dictionary reads it as one); without a
  // dictionary it reads flat fields, which is why every entry carries every field.
  static const int snapshot_order[] = {FIX::FIELD::MDEntryType, FIX::FIELD::MDEntryPx,
                                       FIX::FIELD::MDEntrySize, 0};
  static const int incremental_order[] = {FIX::FIELD::MDUpdateAction, FIX::FIELD::MDEntryType,
                                          FIX::FIELD::Symbol,         FIX::FIELD::MDEntryPx,
                                          FIX::FIELD::MDEntrySize,    0};
  for (const OutboundMdEntry& e : s.entries) {
    FIX::Group g(FIX::FIELD::NoMDEntries,
                 s.incremental ? FIX::FIELD::MDUpdateAction : FIX::FIELD::MDEntryType,
                 s.incremental ? incremental_order : snapshot_order);
    if (s.incremental) g.setField(FIX::FIELD::MDUpdateAction, "1");
    g.setField(FIX::FIELD::MDEntryType, std::string(1, e.entry_type));
    if (s.incremental) g.setField(FIX::FIELD::Symbol, s.symbol);
    g.setField(FIX::FIELD::MDEntryPx, e.price.empty() ? std::string("0") : e.price);
    g.setField(FIX::FIELD::MDEntrySize, e.size.empty() ? std::string("0") : e.size);
    m.addGroup(g);
  }
  return impl_->send(session, m);
}

bool FixAcceptor::send(const std::string& session, const OutboundMdReject& s) {
  FIX::Message m;
  m.getHeader().setField(FIX::MsgType(FIX::MsgType_MarketDataRequestReject));
  set_if(m, FIX::FIELD::MDReqID, s.md_req_id);
  m.setField(FIX::FIELD::MDReqRejReason, std::string(1, s.reason));
  set_if(m, FIX::FIELD::Text, s.text);
  return impl_->send(session, m);
}

bool FixAcceptor::send(const std::string& session, const OutboundFunding& s) {
  FIX::Message m;
  m.getHeader().setField(FIX::FIELD::MsgType, "UF");
  set_if(m, FIX::FIELD::Symbol, s.symbol);
  set_if(m, 5706, s.funding_id);
  set_if(m, 5703, s.amount);
  set_if(m, 5701, s.rate);
  set_if(m, 5704, s.mark);
  set_if(m, 5705, s.position);
  set_if(m, FIX::FIELD::TransactTime, s.transact_time);
  return impl_->send(session, m);
}

bool FixAcceptor::send(const std::string& session, const OutboundPositionAck& a) {
  FIX::Message m;
  m.getHeader().setField(FIX::FIELD::MsgType, FIX::MsgType_RequestForPositionsAck);
  set_if(m, FIX::FIELD::PosMaintRptID, a.pos_maint_rpt_id);
  set_if(m, FIX::FIELD::PosReqID, a.pos_req_id);
  m.setField(FIX::TotalNumPosReports(a.total_reports));
  m.setField(FIX::PosReqResult(a.result));
  m.setField(FIX::PosReqStatus(a.result == 0 || a.result == 2 ? 0 : 2));  // completed/rejected
  set_if(m, FIX::FIELD::Text, a.text);
  return impl_->send(session, m);
}

bool FixAcceptor::send(const std::string& session, const OutboundPosition& p) {
  FIX::Message m;
  m.getHeader().setField(FIX::FIELD::MsgType, FIX::MsgType_PositionReport);
  set_if(m, FIX::FIELD::PosMaintRptID, p.pos_maint_rpt_id);
  set_if(m, FIX::FIELD::PosReqID, p.pos_req_id);
  m.setField(FIX::TotalNumPosReports(p.total_reports));
  m.setField(FIX::PosReqResult(0));
  set_if(m, FIX::FIELD::ClearingBusinessDate, p.business_date);
  set_if(m, FIX::FIELD::Symbol, p.symbol);
  set_if(m, FIX::FIELD::SettlPrice, p.settl_price);
  set_if(m, 5707, p.avg_px);
  FIX::Group entry(FIX::FIELD::NoPositions, FIX::FIELD::PosType);
  entry.setField(FIX::PosType("TOT"));  // total transaction quantity: the net position
  entry.setField(FIX::FIELD::LongQty, p.long_qty);
  entry.setField(FIX::FIELD::ShortQty, p.short_qty);
  m.addGroup(entry);
  return impl_->send(session, m);
}

int FixAcceptor::drop_all() {
  int n = 0;
  try {
    for (const auto& kv : impl_->sessions) {
      FIX::Session* s = FIX::Session::lookupSession(kv.second);
      if (!s || !s->isLoggedOn()) continue;
      impl_->app.mark_dropping(kv.first);
      s->logout("injected fault: drop");
      ++n;
    }
  } catch (const std::exception&) {
  }
  return n;
}

bool FixAcceptor::logged_on(const std::string& session) const {
  auto it = impl_->sessions.find(session);
  if (it == impl_->sessions.end()) return false;
  FIX::Session* s = FIX::Session::lookupSession(it->second);
  return s && s->isLoggedOn();
}

std::vector<std::string> FixAcceptor::session_ids() const {
  std::vector<std::string> out;
  for (const auto& kv : impl_->sessions) out.push_back(kv.first);
  return out;
}

}  // namespace venue_fix
}  // namespace ballast
