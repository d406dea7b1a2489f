// The QuickFIX half of the FIX gateway. Compiled as C++14 (see fix_session.hpp): this is
// the only gateway translation unit that includes QuickFIX, and it includes nothing of
// Ballast's core.
#include "fix_session.hpp"

#include <openssl/crypto.h>
#include <quickfix/Application.h>
#include <quickfix/DataDictionary.h>
#include <quickfix/DataDictionaryProvider.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/MessageStore.h>
#include <quickfix/NullStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/Values.h>
#include <quickfix/fix44/MarketDataRequest.h>
#include <quickfix/fix44/NewOrderSingle.h>
#include <quickfix/fix44/OrderCancelReplaceRequest.h>
#include <quickfix/fix44/OrderCancelRequest.h>
#include <quickfix/fix44/OrderStatusRequest.h>
#include <quickfix/fix44/RequestForPositions.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <thread>
#include <vector>

#include "async_file_store.hpp"
#include "fix_event_tee_log.hpp"

namespace ballast {
namespace gateways {
namespace fix {
namespace {

// Tag numbers used here (FIX 4.4).
enum Tag : int {
  kAvgPx = 6,
  kClOrdID = 11,
  kCommission = 12,
  kCommType = 13,
  kCumQty = 14,
  kExecID = 17,
  kLastPx = 31,
  kLastQty = 32,
  kMsgType = 35,
  kOrdStatus = 39,
  kOrigClOrdID = 41,
  kPossDupFlag = 43,
  kPrice = 44,
  kSide = 54,
  kSymbol = 55,
  kText = 58,
  kTimeInForce = 59,
  kTransactTime = 60,
  kPossResend = 97,
  kCxlRejReason = 102,
  kOrdRejReason = 103,
  kExecType = 150,
  kLeavesQty = 151,
  kRefMsgType = 372,
  kBusinessRejectRefID = 379,
  kBusinessRejectReason = 380,
  kSendingTime = 52,
  kMDReqID = 262,
  kNoMDEntries = 268,
  kMDEntryType = 269,
  kMDEntryPx = 270,
  kMDEntrySize = 271,
  kMDUpdateAction = 279,
  kMDReqRejReason = 281,
  kOrdStatusReqID = 790,
  kFundingRate = 5701,
  kNextFundingTime = 5702,
  kFundingAmount = 5703,
  kFundingMark = 5704,
  kFundingPosition = 5705,
  kFundingID = 5706,
  kPosAvgPx = 5707,
  kNoPositions = 702,
  kPosType = 703,
  kLongQty = 704,
  kShortQty = 705,
  kPosReqID = 710,
  kTotalNumPosReports = 727,
  kPosReqResult = 728,
};

// The dialect's user-defined FundingPayment.
const char kMsgTypeFunding[] = "UF";

FixText text_of(const FIX::FieldMap& map, int tag) {
  FixText t;
  if (!map.isSetField(tag)) return t;
  const std::string& s = map.getField(tag);
  t.data = s.data();
  t.size = s.size();
  return t;
}

// The toApp rule: an order-entry message that could trade (NewOrderSingle, and a
// CancelReplace that moves price or size) is never sent twice. QuickFIX marks a resend
// with PossDupFlag=Y before calling toApp; throwing DoNotSend makes it gap-fill instead.
bool must_suppress(const FIX::Message& message) {
  const FIX::Header& header = message.getHeader();
  if (!header.isSetField(kPossDupFlag) || !header.isSetField(kMsgType)) return false;
  if (header.getField(kPossDupFlag) != "Y") return false;
  const std::string& type = header.getField(kMsgType);
  return type == FIX::MsgType_NewOrderSingle || type == FIX::MsgType_OrderCancelReplaceRequest;
}

bool poss_dup_of(const FIX::Header& header) {
  return (header.isSetField(kPossDupFlag) && header.getField(kPossDupFlag) == "Y") ||
         (header.isSetField(kPossResend) && header.getField(kPossResend) == "Y");
}

MdEntry entry_of(const FIX::FieldMap& map) {
  MdEntry e;
  e.type = text_of(map, kMDEntryType);
  e.price = text_of(map, kMDEntryPx);
  e.size = text_of(map, kMDEntrySize);
  e.action = text_of(map, kMDUpdateAction);
  e.symbol = text_of(map, kSymbol);
  return e;
}

// W and X as text. Real groups when the message has them; otherwise (flat fields) only
// a single entry is readable (see InboundMarketData).
void read_market_data(const FIX::Message& message, char type, InboundMarketData& md) {
  md.msg_type = type;
  md.md_req_id = text_of(message, kMDReqID);
  md.symbol = text_of(message, kSymbol);
  md.sending_time = text_of(message.getHeader(), kSendingTime);
  md.transact_time = text_of(message, kTransactTime);
  md.funding_rate = text_of(message, kFundingRate);
  md.next_funding_time = text_of(message, kNextFundingTime);
  md.no_entries = text_of(message, kNoMDEntries);
  const std::size_t groups = message.groupCount(kNoMDEntries);
  if (groups > 0) {
    if (groups > kMaxMdEntries) {
      md.too_many_entries = true;
      return;
    }
    for (std::size_t i = 0; i < groups; ++i)
      md.entries[i] = entry_of(message.getGroupRef(static_cast<int>(i + 1), kNoMDEntries));
    md.entry_count = groups;
    return;
  }
  std::size_t flat = 0;
  for (FIX::FieldMap::const_iterator it = message.begin(); it != message.end(); ++it)
    if (it->getTag() == kMDEntryType) ++flat;
  if (flat > 1) {
    md.ungrouped = true;
  } else if (flat == 1) {
    md.entries[0] = entry_of(message);
    md.entry_count = 1;
  }
}

// The dialect's repeating groups for a session that runs without a data dictionary:
// QuickFIX then parses NoMDEntries as real groups instead of flat, tag-sorted fields.
// No version is set, so QuickFIX validates nothing else against it (as with none).
ptr::shared_ptr<FIX::DataDictionary> dialect_dictionary() {
  ptr::shared_ptr<FIX::DataDictionary> dd(new FIX::DataDictionary);
  // Every MDEntry field FIX 4.4 defines that a venue is likely to send: an undeclared one
  // would end the group early (and the count check then refuses the message).
  const int fields[] = {kMDUpdateAction,
                        285,
                        kMDEntryType,
                        278,
                        280,
                        kSymbol,
                        48,
                        22,
                        kMDEntryPx,
                        15,
                        kMDEntrySize,
                        272,
                        273,
                        274,
                        275,
                        276,
                        277,
                        282,
                        283,
                        284,
                        286,
                        290,
                        346,
                        336,
                        625,
                        1023,
                        451};
  FIX::DataDictionary snapshot;
  FIX::DataDictionary incremental;
  for (int f : fields) {
    if (f == kMDUpdateAction) {
      incremental.addField(f);  // X only: it delimits X's entries
      continue;
    }
    snapshot.addField(f);
    incremental.addField(f);
  }
  dd->addGroup(FIX::MsgType_MarketDataSnapshotFullRefresh, kNoMDEntries, kMDEntryType, snapshot);
  FIX::DataDictionary positions;  // PositionReport's NoPositions: type, long, short
  const int position_fields[] = {kPosType, kLongQty, kShortQty, 706};  // 706 PosQtyStatus
  for (int f : position_fields) positions.addField(f);
  dd->addGroup(FIX::MsgType_PositionReport, kNoPositions, kPosType, positions);
  dd->addGroup(FIX::MsgType_MarketDataIncrementalRefresh, kNoMDEntries, kMDUpdateAction,
               incremental);
  return dd;
}

// QuickFIX's Application declares dynamic exception specifications; overriding it needs
// the same, which C++11 deprecated (-Wdeprecated). Silenced for this class only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"

class BridgeApplication final : public FIX::Application {
 public:
  explicit BridgeApplication(SessionEvents& events) : events_(events) {}

  bool logged_on() const { return logged_on_.load(std::memory_order_acquire); }

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {
    logged_on_.store(true, std::memory_order_release);
    events_.on_logon();
  }
  void onLogout(const FIX::SessionID&) override {
    // QuickFIX calls this for a logout, for any disconnect of a logged-on session, and
    // when a logon attempt it had sent fails.
    logged_on_.store(false, std::memory_order_release);
    events_.on_logout();
  }
  void toAdmin(FIX::Message& message, const FIX::SessionID&) override {
    if (username_.empty()) return;
    const FIX::FieldMap& h = message.getHeader();
    if (!h.isSetField(FIX::FIELD::MsgType) || h.getField(FIX::FIELD::MsgType) != "A") return;
    message.setField(FIX::FIELD::Username, username_);
    if (!password_.empty()) message.setField(FIX::FIELD::Password, password_);
  }
  void set_logon(const std::string& username, const std::string& password) {
    username_ = username;
    password_ = password;
  }
  ~BridgeApplication() override {
    if (!password_.empty()) OPENSSL_cleanse(&password_[0], password_.size());
  }

  void toApp(FIX::Message& message, const FIX::SessionID&) throw(FIX::DoNotSend) override {
    bool suppress = false;
    try {
      suppress = must_suppress(message);
    } catch (const std::exception&) {
      suppress = false;  // a message we built always has the fields; never reached
    }
    if (suppress) {
      events_.on_resend_suppressed();
      throw FIX::DoNotSend();
    }
  }

  void fromAdmin(const FIX::Message& message,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {
    const FIX::Header& header = message.getHeader();
    if (!header.isSetField(kMsgType)) return;
    const std::string& type = header.getField(kMsgType);
    if (type == FIX::MsgType_Reject) events_.on_session_reject();
    if (type == FIX::MsgType_Logout) {
      const FixText t = text_of(message, kText);
      events_.on_peer_logout(t.data == nullptr ? std::string() : std::string(t.data, t.size));
    }
  }

  // Every inbound application message. ExecutionReport, OrderCancelReject and
  // BusinessMessageReject become InboundReports; MarketData W/X, MarketDataRequestReject
  // and FundingPayment (UF) their own views. Anything else is counted and answered with a
  // BusinessMessageReject (UnsupportedMessageType); a message the engine side cannot map
  // is counted there and answered with a Reject naming the field. Nothing escapes except
  // the exceptions QuickFIX turns into those rejects.
  void fromApp(const FIX::Message& message,
               const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                            FIX::IncorrectTagValue,
                                            FIX::UnsupportedMessageType) override {
    InboundVerdict verdict;
    bool unsupported = false;
    try {
      const FIX::Header& header = message.getHeader();
      const std::string type = header.isSetField(kMsgType) ? header.getField(kMsgType) : "";
      InboundReport r;
      if (type == FIX::MsgType_MarketDataSnapshotFullRefresh ||
          type == FIX::MsgType_MarketDataIncrementalRefresh) {
        read_market_data(message, type[0], md_);
        verdict = events_.on_market_data(md_);
      } else if (type == FIX::MsgType_MarketDataRequestReject) {
        InboundMdReject y;
        y.md_req_id = text_of(message, kMDReqID);
        y.reason = text_of(message, kMDReqRejReason);
        y.text = text_of(message, kText);
        events_.on_md_reject(y);
      } else if (type == kMsgTypeFunding) {
        InboundFunding f;
        f.symbol = text_of(message, kSymbol);
        f.funding_id = text_of(message, kFundingID);
        f.amount = text_of(message, kFundingAmount);
        f.rate = text_of(message, kFundingRate);
        f.mark = text_of(message, kFundingMark);
        f.position = text_of(message, kFundingPosition);
        f.transact_time = text_of(message, kTransactTime);
        f.poss_dup = poss_dup_of(header);
        verdict = events_.on_funding(f);
      } else if (type == FIX::MsgType_RequestForPositionsAck ||
                 type == FIX::MsgType_PositionReport) {
        InboundPosition pos;
        pos.msg_type = type[1];
        pos.pos_req_id = text_of(message, kPosReqID);
        pos.total_reports = text_of(message, kTotalNumPosReports);
        pos.result = text_of(message, kPosReqResult);
        pos.symbol = text_of(message, kSymbol);
        pos.avg_px = text_of(message, kPosAvgPx);
        pos.text = text_of(message, kText);
        // The first NoPositions entry: a real group with the dialect's dictionary, flat
        // fields from a venue that sends none.
        const FIX::FieldMap* entry = &message;
        for (FIX::FieldMap::g_const_iterator g = message.g_begin(); g != message.g_end(); ++g)
          if (g->first == kNoPositions && !g->second.empty()) entry = g->second.front();
        pos.long_qty = text_of(*entry, kLongQty);
        pos.short_qty = text_of(*entry, kShortQty);
        verdict = events_.on_position(pos);
      } else if (type == FIX::MsgType_ExecutionReport || type == FIX::MsgType_OrderCancelReject) {
        r.msg_type = type[0];
        r.cl_ord_id = text_of(message, kClOrdID);
        r.orig_cl_ord_id = text_of(message, kOrigClOrdID);
        r.exec_type = text_of(message, kExecType);
        r.ord_status = text_of(message, kOrdStatus);
        r.symbol = text_of(message, kSymbol);
        r.side = text_of(message, kSide);
        r.last_qty = text_of(message, kLastQty);
        r.last_px = text_of(message, kLastPx);
        r.cum_qty = text_of(message, kCumQty);
        r.leaves_qty = text_of(message, kLeavesQty);
        r.commission = text_of(message, kCommission);
        r.comm_type = text_of(message, kCommType);
        r.ord_rej_reason = text_of(message, kOrdRejReason);
        r.cxl_rej_reason = text_of(message, kCxlRejReason);
        r.exec_id = text_of(message, kExecID);
        r.avg_px = text_of(message, kAvgPx);
        r.poss_dup = poss_dup_of(header);
      } else if (type == FIX::MsgType_BusinessMessageReject) {
        r.msg_type = 'j';
        r.cl_ord_id = text_of(message, kBusinessRejectRefID);
        r.ref_msg_type = text_of(message, kRefMsgType);
        r.business_reject_reason = text_of(message, kBusinessRejectReason);
      } else {
        events_.on_unsupported(type);
        unsupported = true;
      }
      if (r.msg_type != 0) verdict = events_.on_report(r);
    } catch (const std::exception&) {
      // Our own code does not throw; a failure here (allocation) must not unwind into
      // QuickFIX through the exception specification (that would terminate).
      verdict.kind = InboundVerdict::ignored;
    }
    if (unsupported) throw FIX::UnsupportedMessageType();
    switch (verdict.kind) {
      case InboundVerdict::accepted:
      case InboundVerdict::ignored:
      case InboundVerdict::duplicate:
        return;
      case InboundVerdict::missing_field:
        throw FIX::FieldNotFound(verdict.tag);
      case InboundVerdict::bad_value:
        throw FIX::IncorrectTagValue(verdict.tag);
    }
  }

 private:
  std::string username_;
  std::string password_;
  SessionEvents& events_;
  std::atomic<bool> logged_on_{false};
  InboundMarketData md_;  // socket thread only: reused, it is large
};

#pragma GCC diagnostic pop

void set_text(FIX::FieldMap& map, int tag, const FixText& t) {
  if (t.present())
    map.setField(tag, std::string(t.data, t.size));
  else
    map.removeField(tag);
}

// The body of an order-entry message (the session adds the header).
void fill_message(FIX::Message& m, const OutboundOrder& order) {
  if (order.msg_type == 'H') {
    set_text(m, kClOrdID, order.cl_ord_id);
    set_text(m, kSymbol, order.symbol);
    m.setField(FIX::Side(order.side));
    set_text(m, kOrdStatusReqID, order.status_req_id);
    return;
  }
  set_text(m, kClOrdID, order.cl_ord_id);
  if (order.msg_type != 'D') set_text(m, kOrigClOrdID, order.orig_cl_ord_id);
  set_text(m, kSymbol, order.symbol);
  m.setField(FIX::Side(order.side));
  m.setField(FIX::TransactTime(3));
  set_text(m, FIX::FIELD::OrderQty, order.qty);
  if (order.msg_type != 'F') {
    m.setField(FIX::OrdType(order.ord_type));
    set_text(m, kPrice, order.price);
    m.setField(FIX::TimeInForce(order.time_in_force));
  }
}

// Fills `m` (a NewOrderSingle, cancel, replace or status request object) from `order`
// and hands it to the session (which adds the header, stores and writes it).
SendResult send_with(FIX::Session& session, FIX::Message& m, const OutboundOrder& order) {
  fill_message(m, order);
  return session.send(m) ? SendResult::sent : SendResult::failed;
}

}  // namespace

struct FixSession::Impl {
  explicit Impl(SessionEvents& e) : app(e) {}

  // Declaration order is construction order; destruction runs backwards, so the
  // initiator (which holds references to all of these) goes first.
  BridgeApplication app;
  FIX::SessionSettings settings;
  FIX::SessionID session_id;
  std::string store_path;
  int port = 0;
  std::unique_ptr<FIX::MessageStoreFactory> store_factory;
  AsyncFileStoreFactory* async_store = nullptr;  // store_factory when StoreKind::async_file
  std::unique_ptr<FIX::FileLogFactory> file_log_factory;  // FileLogPath given
  std::unique_ptr<FIX::LogFactory> log_factory;           // the tee, always
  std::unique_ptr<FIX::SocketInitiator> initiator;
  FIX::Session* session = nullptr;
  bool started = false;

  // Reused per message type: only the order thread touches them.
  FIX44::NewOrderSingle new_order;
  FIX44::OrderCancelRequest cancel;
  FIX44::OrderCancelReplaceRequest replace;
  FIX44::OrderStatusRequest status;

  std::vector<std::string> md_symbols;
  bool reuse_messages = true;
};

FixSession::FixSession(const SessionOptions& options, SessionEvents& events)
    : impl_(new Impl(events)) {
  impl_->app.set_logon(options.logon_username, options.logon_password);
  try {
    FIX::SessionSettings file(options.settings_path);
    const std::set<FIX::SessionID> ids = file.getSessions();
    if (ids.size() != 1)
      throw std::runtime_error("FIX settings " + options.settings_path +
                               ": expected exactly one [SESSION], found " +
                               std::to_string(ids.size()));
    const FIX::SessionID id = *ids.begin();
    if (id.getBeginString() != FIX::BeginString_FIX44)
      throw std::runtime_error("FIX settings: BeginString must be FIX.4.4, not " +
                               id.getBeginString().getString());
    FIX::Dictionary dict = file.get(id);
    if (!dict.has(FIX::CONNECTION_TYPE) || dict.getString(FIX::CONNECTION_TYPE) != "initiator")
      throw std::runtime_error("FIX settings: ConnectionType must be initiator");
    if (!options.host_override.empty())
      dict.setString(FIX::SOCKET_CONNECT_HOST, options.host_override);
    if (options.port_override > 0) dict.setInt(FIX::SOCKET_CONNECT_PORT, options.port_override);
    if (!options.store_path_override.empty())
      dict.setString(FIX::FILE_STORE_PATH, options.store_path_override);
    const bool on_disk = options.store == StoreKind::async_file || options.store == StoreKind::file;
    if (on_disk && !dict.has(FIX::FILE_STORE_PATH))
      throw std::runtime_error(
          "FIX settings: FileStorePath is required (sequence numbers "
          "and resends live there)");

    // QuickFIX keeps sessions in a process-wide registry keyed by the session ID: a second
    // live session with the same CompIDs would silently share the first one's socket.
    if (FIX::Session::doesSessionExist(id))
      throw std::runtime_error("FIX session " + id.toString() + " already exists in this process");

    impl_->settings.set(file.get());
    impl_->settings.set(id, dict);
    impl_->session_id = id;
    impl_->store_path = on_disk ? dict.getString(FIX::FILE_STORE_PATH) : std::string();
    impl_->port = dict.has(FIX::SOCKET_CONNECT_PORT) ? dict.getInt(FIX::SOCKET_CONNECT_PORT) : 0;

    switch (options.store) {
      case StoreKind::async_file: {
        AsyncFileStoreFactory* f =
            new AsyncFileStoreFactory(impl_->store_path, options.store_flush_interval_ms);
        impl_->store_factory.reset(f);
        impl_->async_store = f;
        break;
      }
      case StoreKind::file:
        impl_->store_factory.reset(new FIX::FileStoreFactory(impl_->settings));
        break;
      case StoreKind::memory:
        impl_->store_factory.reset(new FIX::MemoryStoreFactory());
        break;
      case StoreKind::null_store:
        impl_->store_factory.reset(new FIX::NullStoreFactory());
        break;
    }
    if (dict.has(FIX::FILE_LOG_PATH))
      impl_->file_log_factory.reset(new FIX::FileLogFactory(impl_->settings));
    impl_->log_factory.reset(new EventTeeLogFactory(impl_->file_log_factory.get(), events));
    impl_->initiator.reset(new FIX::SocketInitiator(impl_->app, *impl_->store_factory,
                                                    impl_->settings, *impl_->log_factory));
    impl_->session = impl_->initiator->getSession(id);
    if (impl_->session == nullptr)
      throw std::runtime_error("FIX session " + id.toString() + " was not created");
    // Without a dictionary QuickFIX would parse NoMDEntries as flat fields sorted by an
    // unstable sort (entries scrambled once a message has more than 16 fields): give the
    // session the dialect's groups. A configured dictionary (UseDataDictionary=Y) is used
    // as it is.
    const bool use_dictionary =
        dict.has(FIX::USE_DATA_DICTIONARY) && dict.getBool(FIX::USE_DATA_DICTIONARY);
    if (!use_dictionary) {
      FIX::DataDictionaryProvider provider;
      provider.addTransportDataDictionary(FIX::BeginString(id.getBeginString()),
                                          dialect_dictionary());
      impl_->session->setDataDictionaryProvider(provider);
    }
    impl_->md_symbols = options.md_symbols;
    impl_->reuse_messages = options.reuse_messages;
  } catch (const FIX::ConfigError& e) {
    throw std::runtime_error(std::string("FIX settings: ") + e.what());
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(std::string("FIX session: ") + e.what());
  }
}

FixSession::~FixSession() {
  try {
    stop(1000);
  } catch (...) {
  }
}

void FixSession::start() {
  if (impl_->started) return;
  try {
    impl_->initiator->start();
  } catch (const FIX::Exception& e) {
    throw std::runtime_error(std::string("FIX initiator: ") + e.what());
  }
  impl_->started = true;
}

void FixSession::stop(int logout_wait_ms) {
  if (!impl_->started) return;
  impl_->started = false;
  // Our own logout first, so the counterparty sees a clean Logout rather than a dropped
  // socket; Initiator::stop would wait for it in whole seconds.
  if (impl_->app.logged_on()) {
    impl_->session->logout();
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(logout_wait_ms);
    while (impl_->app.logged_on() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  impl_->initiator->stop(true);
  // Everything sent is on disk before the caller (or the next process) looks.
  if (impl_->async_store != nullptr) impl_->async_store->flush_all();
}

SendResult FixSession::send(const OutboundOrder& order) {
  if (!impl_->app.logged_on()) return SendResult::not_logged_on;
  try {
    if (!impl_->reuse_messages) {
      // The naive baseline: a new message object (its field map, its header) per send.
      switch (order.msg_type) {
        case 'D': {
          FIX44::NewOrderSingle m;
          return send_with(*impl_->session, m, order);
        }
        case 'F': {
          FIX44::OrderCancelRequest m;
          return send_with(*impl_->session, m, order);
        }
        case 'G': {
          FIX44::OrderCancelReplaceRequest m;
          return send_with(*impl_->session, m, order);
        }
        case 'H': {
          FIX44::OrderStatusRequest m;
          return send_with(*impl_->session, m, order);
        }
        default:
          return SendResult::failed;
      }
    }
    FIX::Message* msg = nullptr;
    switch (order.msg_type) {
      case 'D':
        msg = &impl_->new_order;
        break;
      case 'F':
        msg = &impl_->cancel;
        break;
      case 'G':
        msg = &impl_->replace;
        break;
      case 'H':
        msg = &impl_->status;
        break;
      default:
        return SendResult::failed;
    }
    return send_with(*impl_->session, *msg, order);
  } catch (...) {
    return SendResult::failed;
  }
}

SendResult FixSession::send_market_data_request(const std::string& req_id) {
  if (!impl_->app.logged_on()) return SendResult::not_logged_on;
  try {
    FIX44::MarketDataRequest m;
    m.setField(FIX::MDReqID(req_id));
    m.setField(FIX::SubscriptionRequestType('1'));  // snapshot + updates
    m.setField(FIX::MarketDepth(1));                // top of book
    m.setField(FIX::MDUpdateType(1));               // incremental refresh
    const char types[] = {'0', '1', '6', '3'};      // bid, offer, settlement (mark), index
    for (char t : types) {
      FIX44::MarketDataRequest::NoMDEntryTypes g;
      g.setField(FIX::MDEntryType(t));
      m.addGroup(g);
    }
    for (const std::string& symbol : impl_->md_symbols) {
      FIX44::MarketDataRequest::NoRelatedSym g;
      g.setField(FIX::Symbol(symbol));
      m.addGroup(g);
    }
    return impl_->session->send(m) ? SendResult::sent : SendResult::failed;
  } catch (...) {
    return SendResult::failed;
  }
}

SendResult FixSession::send_positions_request(const std::string& req_id,
                                              const std::string& business_date) {
  if (!impl_->app.logged_on()) return SendResult::not_logged_on;
  try {
    FIX44::RequestForPositions m;
    m.setField(FIX::PosReqID(req_id));
    m.setField(FIX::PosReqType(0));                 // positions
    m.setField(FIX::SubscriptionRequestType('0'));  // a snapshot, no updates
    m.setField(FIX::ClearingBusinessDate(business_date));
    m.setField(FIX::TransactTime(3));
    return impl_->session->send(m) ? SendResult::sent : SendResult::failed;
  } catch (...) {
    return SendResult::failed;
  }
}

std::string FixSession::session_id() const {
  return impl_->session_id.toString();
}
std::string FixSession::store_path() const {
  return impl_->store_path;
}
int FixSession::connect_port() const {
  return impl_->port;
}
int FixSession::next_sender_seq_num() const {
  try {
    return impl_->session->getExpectedSenderNum();
  } catch (...) {
    return 0;
  }
}

struct MessageTextBuilder::Impl {
  std::string sender;
  std::string target;
  FIX44::NewOrderSingle new_order;
  FIX44::OrderCancelRequest cancel;
  FIX44::OrderCancelReplaceRequest replace;
  FIX44::OrderStatusRequest status;
};

namespace {

// What Session::fill does to the header before sending (FIX 4.4, millisecond
// SendingTime), then the wire text.
std::size_t finish_text(FIX::Message& m, const std::string& sender, const std::string& target,
                        int seq, std::string& out) {
  FIX::Header& h = m.getHeader();
  h.setField(FIX::BeginString(FIX::BeginString_FIX44));
  h.setField(FIX::SenderCompID(sender));
  h.setField(FIX::TargetCompID(target));
  h.setField(FIX::MsgSeqNum(seq));
  h.setField(FIX::SendingTime(3));
  m.toString(out);
  return out.size();
}

}  // namespace

MessageTextBuilder::MessageTextBuilder(const std::string& sender_comp_id,
                                       const std::string& target_comp_id)
    : impl_(new Impl) {
  impl_->sender = sender_comp_id;
  impl_->target = target_comp_id;
}

MessageTextBuilder::~MessageTextBuilder() {}

std::size_t MessageTextBuilder::build(const OutboundOrder& order, int seq, bool reuse,
                                      std::string& out) {
  try {
    if (!reuse) {
      switch (order.msg_type) {
        case 'D': {
          FIX44::NewOrderSingle m;
          fill_message(m, order);
          return finish_text(m, impl_->sender, impl_->target, seq, out);
        }
        case 'F': {
          FIX44::OrderCancelRequest m;
          fill_message(m, order);
          return finish_text(m, impl_->sender, impl_->target, seq, out);
        }
        case 'G': {
          FIX44::OrderCancelReplaceRequest m;
          fill_message(m, order);
          return finish_text(m, impl_->sender, impl_->target, seq, out);
        }
        case 'H': {
          FIX44::OrderStatusRequest m;
          fill_message(m, order);
          return finish_text(m, impl_->sender, impl_->target, seq, out);
        }
        default:
          return 0;
      }
    }
    FIX::Message* m = nullptr;
    switch (order.msg_type) {
      case 'D':
        m = &impl_->new_order;
        break;
      case 'F':
        m = &impl_->cancel;
        break;
      case 'G':
        m = &impl_->replace;
        break;
      case 'H':
        m = &impl_->status;
        break;
      default:
        return 0;
    }
    fill_message(*m, order);
    return finish_text(*m, impl_->sender, impl_->target, seq, out);
  } catch (...) {
    return 0;
  }
}

bool suppress_resend(const std::string& raw_message) {
  try {
    const FIX::Message message(raw_message, false);
    return must_suppress(message);
  } catch (...) {
    return false;
  }
}

}  // namespace fix
}  // namespace gateways
}  // namespace ballast
