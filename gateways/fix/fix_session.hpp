// The seam between the two halves of the FIX gateway.
//
// Debian's QuickFIX headers declare dynamic exception specifications (`throw(X)`), which
// C++17 removed, so every translation unit that includes a QuickFIX header is compiled
// as C++14 (fix_session.cpp, target ballast_fix_impl). The engine side is C++20
// (fix_order_gateway.cpp). This header is the only thing both halves include, so it
// must compile as C++14 and as C++20 with the same meaning: no QuickFIX types, no
// Ballast core types (those use C++17/20 features), only plain structs, std::string, std::vector
// and std::unique_ptr. Private to gateways/: not installed, not included by users.
#ifndef BALLAST_GATEWAYS_FIX_FIX_SESSION_HPP
#define BALLAST_GATEWAYS_FIX_FIX_SESSION_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ballast {
namespace gateways {
namespace fix {

// A view of field text. Inbound: points into QuickFIX's message, valid only during the
// callback. Outbound: points into the caller's buffers, valid during the call.
struct FixText {
  const char* data = nullptr;
  std::size_t size = 0;
  bool present() const { return data != nullptr; }
};

// The fields of an inbound ExecutionReport (35=8), OrderCancelReject (35=9) or
// BusinessMessageReject (35=j), as text. Absent fields have present() == false. The C++20
// side parses and validates them.
struct InboundReport {
  char msg_type = 0;               // '8', '9' or 'j'
  FixText cl_ord_id;               // 11
  FixText orig_cl_ord_id;          // 41
  FixText exec_type;               // 150
  FixText ord_status;              // 39
  FixText symbol;                  // 55
  FixText side;                    // 54
  FixText last_qty;                // 32
  FixText last_px;                 // 31
  FixText cum_qty;                 // 14
  FixText leaves_qty;              // 151
  FixText commission;              // 12
  FixText comm_type;               // 13
  FixText ord_rej_reason;          // 103
  FixText cxl_rej_reason;          // 102
  FixText ref_msg_type;            // 372 (j)
  FixText business_reject_reason;  // 380 (j); cl_ord_id then holds BusinessRejectRefID (379)
  FixText exec_id;                 // 17
  FixText avg_px;                  // 6
  bool poss_dup = false;           // header PossDupFlag(43)=Y or PossResend(97)=Y
};

// One MDEntry of a MarketDataSnapshotFullRefresh (W) or IncrementalRefresh (X).
struct MdEntry {
  FixText type;    // 269 MDEntryType
  FixText price;   // 270 MDEntryPx
  FixText size;    // 271 MDEntrySize
  FixText action;  // 279 MDUpdateAction (X)
  FixText symbol;  // 55 (X: per entry)
};

// At most this many entries per message are read; a message with more is refused whole.
static const std::size_t kMaxMdEntries = 32;

// An inbound W or X. Entries come from the real repeating group NoMDEntries(268): the
// session installs a minimal dictionary for the dialect's groups when the settings use
// none (see FixSession). Without groups only a single-entry message can be read (QuickFIX
// sorts flat fields by tag with an unstable sort: the i-th 269 and the i-th 270 need not
// belong together), so `ungrouped` marks a multi-entry message that came in flat.
struct InboundMarketData {
  char msg_type = 0;            // 'W' or 'X'
  FixText md_req_id;            // 262
  FixText symbol;               // 55 in the body (W)
  FixText sending_time;         // 52 (header)
  FixText transact_time;        // 60
  FixText funding_rate;         // 5701
  FixText next_funding_time;    // 5702
  FixText no_entries;           // 268 as sent
  std::size_t entry_count = 0;  // entries read into `entries`
  bool too_many_entries = false;
  bool ungrouped = false;
  MdEntry entries[kMaxMdEntries];
};

// MarketDataRequestReject (Y).
struct InboundMdReject {
  FixText md_req_id;  // 262
  FixText reason;     // 281
  FixText text;       // 58
};

// FundingPayment (UF, user-defined).
struct InboundFunding {
  FixText symbol;         // 55
  FixText funding_id;     // 5706
  FixText amount;         // 5703 (credited to the account: negative when it paid)
  FixText rate;           // 5701
  FixText mark;           // 5704
  FixText position;       // 5705
  FixText transact_time;  // 60
  bool poss_dup = false;
};

// An inbound RequestForPositionsAck (AO) or PositionReport (AP), the venue's answer to
// our RequestForPositions (AN). The first NoPositions(702) entry's quantities are read.
struct InboundPosition {
  char msg_type = 0;      // 'O' (AO) or 'P' (AP)
  FixText pos_req_id;     // 710
  FixText total_reports;  // 727 TotalNumPosReports
  FixText result;         // 728 PosReqResult: 0 valid, 2 no positions; others refuse
  FixText symbol;         // 55 (AP)
  FixText long_qty;       // 704 (AP)
  FixText short_qty;      // 705 (AP)
  FixText avg_px;         // 5707 (AP, dialect): the position's average entry price
  FixText text;           // 58
};

// What the C++20 side made of an inbound report. The C++14 side turns a refusal into
// the matching QuickFIX exception, so the counterparty gets a session-level Reject or a
// BusinessMessageReject and the session carries on.
struct InboundVerdict {
  // duplicate: a resend already applied (no reject goes back, like ignored).
  enum Kind { accepted, ignored, duplicate, missing_field, bad_value };
  Kind kind = accepted;
  int tag = 0;  // the offending field for missing_field / bad_value
};

// Callbacks from the QuickFIX side. All but on_resend_suppressed arrive on QuickFIX's
// socket thread (one thread: SocketInitiator, one session); on_resend_suppressed can
// also arrive on the thread that sends. Implementations must not throw.
class SessionEvents {
 public:
  // Logon done; the C++20 side may send (market data subscription) from inside it.
  virtual void on_logon() = 0;
  virtual void on_logout() = 0;
  // A Logout (35=5) from the venue, with its Text (58): why it ends the session or
  // refuses a logon ("" when it gives no text).
  virtual void on_peer_logout(const std::string& text) = 0;
  // The connection to `where` ("127.0.0.1 on port 9878") failed or broke with `error`
  // ("Connection reset by peer": also what a refused connect shows). Said by QuickFIX's
  // log only, which the session tees to here.
  virtual void on_socket_error(const std::string& where, const std::string& error) = 0;
  virtual InboundVerdict on_report(const InboundReport& report) = 0;
  virtual InboundVerdict on_market_data(const InboundMarketData& md) = 0;
  virtual void on_md_reject(const InboundMdReject& reject) = 0;
  virtual InboundVerdict on_funding(const InboundFunding& funding) = 0;
  virtual InboundVerdict on_position(const InboundPosition& position) = 0;
  // An application message of a type the gateway does not handle (counted, rejected).
  virtual void on_unsupported(const std::string& msg_type) = 0;
  // A PossDupFlag=Y resend of an order-entry message was suppressed (gap-filled).
  virtual void on_resend_suppressed() = 0;
  // A session-level Reject (35=3) arrived (counted; which order it refers to needs the
  // RefSeqNum -> ClOrdID map that order-state recovery will bring).
  virtual void on_session_reject() = 0;

 protected:
  ~SessionEvents() {}
};

// Where the session keeps sequence numbers and sent messages (see gateways/fix/README.md,
// "FIX leg cost").
enum class StoreKind {
  async_file,  // FileStore's files; sequence numbers written synchronously (mapped file),
               // messages by a background thread (async_file_store.hpp). Survives restarts.
  file,        // QuickFIX's FileStore: every send writes and flushes on the sending thread
  memory,      // QuickFIX's MemoryStore: nothing survives the process (tests, benchmarks)
  null_store,  // QuickFIX's NullStore: sequence numbers only, in memory; no resends
};

// Where the settings come from, and what the caller overrides after reading them.
struct SessionOptions {
  std::string settings_path;            // QuickFIX settings file: one FIX.4.4 initiator session
  std::string host_override;            // empty: the file's SocketConnectHost
  int port_override = 0;                // 0: the file's SocketConnectPort
  std::string store_path_override;      // empty: the file's FileStorePath
  std::vector<std::string> md_symbols;  // MarketDataRequest: one NoRelatedSym entry each
  StoreKind store = StoreKind::async_file;
  int store_flush_interval_ms = 10;  // async_file: how often the writer thread writes
  // false: a fresh FIX44 message object per send (the naive baseline the FIX-leg
  // benchmark compares against); true: the session's reused objects.
  bool reuse_messages = true;
  // Username (553) and Password (554) on every Logon, when the venue wants them. The
  // password is wiped from memory when the session is destroyed.
  std::string logon_username;
  std::string logon_password;
};

// An outbound order-entry message, all values already as exact FIX text.
struct OutboundOrder {
  char msg_type = 'D';       // 'D' NewOrderSingle, 'F' OrderCancelRequest, 'G' CancelReplace,
                             // 'H' OrderStatusRequest
  FixText cl_ord_id;         // 11
  FixText orig_cl_ord_id;    // 41 (F, G)
  FixText symbol;            // 55
  char side = '1';           // 54: '1' buy, '2' sell
  FixText qty;               // 38
  FixText price;             // 44 (D, G)
  char ord_type = '2';       // 40: '2' limit (D, G)
  char time_in_force = '3';  // 59: '3' IOC, '1' GTC (D, G)
  FixText status_req_id;     // 790 (H)
};

enum class SendResult { sent, not_logged_on, failed };

// One QuickFIX initiator session (SocketInitiator: a single socket thread) with its
// message store (SessionOptions::store). Owns every QuickFIX object; the constructor reads and
// validates the settings and throws std::runtime_error on any problem.
class FixSession {
 public:
  FixSession(const SessionOptions& options, SessionEvents& events);
  ~FixSession();
  FixSession(const FixSession&) = delete;
  FixSession& operator=(const FixSession&) = delete;

  // Starts the socket thread (connect, logon, reconnect every ReconnectInterval).
  void start();
  // Logs out (waiting up to `logout_wait_ms` for the counterparty), then stops the
  // thread. Idempotent.
  void stop(int logout_wait_ms);

  // Builds and sends one message. Call from one thread at a time (the order thread):
  // the message objects are reused.
  SendResult send(const OutboundOrder& order);
  // MarketDataRequest (V): 262 = req_id, 263=1, 264=1, 265=1, 267 = bid, offer,
  // settlement (mark), index, 146 = SessionOptions::md_symbols. Any thread (QuickFIX
  // locks the session); the gateway calls it from on_logon.
  SendResult send_market_data_request(const std::string& req_id);
  // RequestForPositions (AN): 710 = req_id, 724=0 (positions), 263=0 (snapshot), 715 =
  // business_date (YYYYMMDD), 60. The venue answers with AO, then one AP per position.
  // Any thread (QuickFIX locks the session); the gateway sends it from the order thread.
  SendResult send_positions_request(const std::string& req_id, const std::string& business_date);

  // The settings as QuickFIX resolved them (for diagnostics and tests).
  std::string session_id() const;
  std::string store_path() const;
  int connect_port() const;
  int next_sender_seq_num() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The text of an order-entry message as the session would put it on the wire (header
// with BeginString, CompIDs, `seq` and the current SendingTime; body from fill as in
// FixSession::send; BodyLength and CheckSum), without a session or a socket: the "build"
// step of the FIX-leg benchmark (bench/fix_bench.cpp). `reuse`: into message objects kept
// across calls, as FixSession does; otherwise a fresh object per call.
class MessageTextBuilder {
 public:
  MessageTextBuilder(const std::string& sender_comp_id, const std::string& target_comp_id);
  ~MessageTextBuilder();
  MessageTextBuilder(const MessageTextBuilder&) = delete;
  MessageTextBuilder& operator=(const MessageTextBuilder&) = delete;
  // Returns the text's length (0 if the message could not be built).
  std::size_t build(const OutboundOrder& order, int seq, bool reuse, std::string& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The decision toApp makes, on a raw FIX message: true when a message of this type with
// PossDupFlag=Y must not go out again (NewOrderSingle and OrderCancelReplaceRequest are
// gap-filled; a resent cancel is let through: cancelling is the safe direction; so is a
// MarketDataRequest or OrderStatusRequest: the V sent right after a logon is often the
// very message a venue's ResendRequest asks for). Exposed
// so tests can check it without provoking a resend. False for unparseable text.
bool suppress_resend(const std::string& raw_message);

}  // namespace fix
}  // namespace gateways
}  // namespace ballast

#endif  // BALLAST_GATEWAYS_FIX_FIX_SESSION_HPP
