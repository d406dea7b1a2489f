// The seam between the venue simulator's FIX acceptor (QuickFIX, C++14) and the C++20
// VenueFixServer. Debian's QuickFIX headers declare dynamic exception specifications that
// C++17 removed, so fix_acceptor.cpp (target ballast_venue_fix_impl) is compiled as C++14
// and is the only file that includes QuickFIX. This header must mean the same in C++14
// and C++20: plain structs, std::string and std::unique_ptr only (no QuickFIX types, no
// Ballast core types). Same pattern as gateways/fix/fix_session.hpp.
#ifndef BALLAST_TOOLS_VENUE_FIX_FIX_ACCEPTOR_HPP
#define BALLAST_TOOLS_VENUE_FIX_FIX_ACCEPTOR_HPP

#include <memory>
#include <string>
#include <vector>

namespace ballast {
namespace venue_fix {

// One inbound order-entry message as text. Absent fields are empty strings ('\0' for the
// one-character fields). The C++14 side only checks that required fields are present;
// the C++20 side parses and validates values.
struct InboundOrder {
  char msg_type = 0;           // 'D' NewOrderSingle, 'F' OrderCancelRequest, 'G' Replace,
                               // 'H' OrderStatusRequest
  std::string cl_ord_id;       // 11 (required)
  std::string orig_cl_ord_id;  // 41 (required for F, G)
  std::string symbol;          // 55 (required)
  char side = 0;               // 54 (required)
  std::string qty;             // 38 (required for D, G)
  std::string price;           // 44
  char ord_type = 0;           // 40 (required for D, G)
  char time_in_force = 0;      // 59 ('\0' when absent: FIX's default, Day)
  std::string exec_inst;       // 18 ('6' post-only, 'E' reduce-only)
  std::string status_req_id;   // 790 (H)
};

// An inbound MarketDataRequest (35=V). Without a data dictionary QuickFIX keeps the
// NoRelatedSym group as flat fields, so `symbols` is every 55 in the message, in order.
struct InboundMarketDataRequest {
  std::string md_req_id;             // 262 (required)
  char subscription_type = 0;        // 263 (required): '0' snapshot, '1' subscribe, '2' unsubscribe
  std::vector<std::string> symbols;  // 55 (at least one)
};

// An inbound RequestForPositions (35=AN).
struct InboundPositionRequest {
  std::string pos_req_id;    // 710 (required)
  std::string pos_req_type;  // 724 (required): '0' positions is the only one served
};

// What the C++20 side made of an inbound message. QuickFIX (FIX 4.2+) answers
// bad_value with a session-level Reject (35=3) naming the tag (371), missing_field with a
// BusinessMessageReject (35=j, 380=5: conditionally required field missing) and
// unsupported with a BusinessMessageReject (380=3).
// Business outcomes (order rejected by the venue) are `accepted` plus an ExecutionReport.
struct InboundVerdict {
  enum Kind { accepted, missing_field, bad_value, unsupported };
  Kind kind = accepted;
  int tag = 0;
};

// An outbound ExecutionReport (35=8); empty strings are left out.
struct OutboundExecution {
  std::string order_id;        // 37
  std::string exec_id;         // 17
  std::string cl_ord_id;       // 11
  std::string orig_cl_ord_id;  // 41
  char exec_type = '0';        // 150
  char ord_status = '0';       // 39
  std::string symbol;          // 55
  char side = '1';             // 54
  char ord_type = 0;           // 40 ('\0': left out)
  char time_in_force = 0;      // 59 ('\0': left out)
  std::string order_qty;       // 38
  std::string price;           // 44
  std::string last_qty;        // 32
  std::string last_px;         // 31
  std::string cum_qty;         // 14
  std::string leaves_qty;      // 151
  std::string avg_px;          // 6 (always sent; "0" when empty)
  std::string commission;      // 12 (with CommType 13 = 3, absolute)
  int ord_rej_reason = -1;     // 103 (-1: left out)
  std::string text;            // 58
  std::string status_req_id;   // 790 (status replies)
};

// An outbound OrderCancelReject (35=9).
struct OutboundCancelReject {
  std::string order_id;        // 37 ("NONE" when empty)
  std::string cl_ord_id;       // 11
  std::string orig_cl_ord_id;  // 41
  char ord_status = '8';       // 39
  char response_to = '1';      // 434: '1' cancel, '2' replace
  int cxl_rej_reason = 99;     // 102
  std::string symbol;          // 55 (not in the 4.4 message; sent anyway, harmless)
  std::string text;            // 58
};

// One market data entry (a group entry of 268). Every field is always sent (see
// docs/fix-dialect.md: receivers without a dictionary read groups as flat fields).
struct OutboundMdEntry {
  char entry_type = '0';  // 269: '0' bid, '1' offer, '6' settlement (mark), '3' index
  std::string price;      // 270
  std::string size;       // 271
};

// MarketDataSnapshotFullRefresh (35=W, one symbol) or MarketDataIncrementalRefresh
// (35=X, entries with 279=1 and 55 each).
struct OutboundMarketData {
  bool incremental = false;
  std::string md_req_id;  // 262
  std::string symbol;     // 55 (body of W; every entry of X)
  std::vector<OutboundMdEntry> entries;
  std::string funding_rate;  // 5701 (empty: left out)
  std::string next_funding;  // 5702 Unix ms (empty: left out)
};

// MarketDataRequestReject (35=Y).
struct OutboundMdReject {
  std::string md_req_id;  // 262
  char reason = '0';      // 281: '0' unknown symbol
  std::string text;       // 58
};

// FundingPayment (35=UF, user defined).
struct OutboundFunding {
  std::string symbol;         // 55
  std::string funding_id;     // 5706
  std::string amount;         // 5703: credited to the account (negative: paid)
  std::string rate;           // 5701
  std::string mark;           // 5704
  std::string position;       // 5705 signed contracts
  std::string transact_time;  // 60 (UTCTimestamp text, e.g. 20260101-00:00:00.000)
};

// RequestForPositionsAck (35=AO): how many PositionReports follow.
struct OutboundPositionAck {
  std::string pos_req_id;        // 710
  std::string pos_maint_rpt_id;  // 721
  int total_reports = 0;         // 727
  int result = 0;                // 728: 0 valid, 2 no positions found, 4 not supported
  std::string text;              // 58
};

// PositionReport (35=AP): one instrument's net position as one NoPositions entry.
struct OutboundPosition {
  std::string pos_req_id;        // 710
  std::string pos_maint_rpt_id;  // 721
  int total_reports = 0;         // 727
  std::string business_date;     // 715 YYYYMMDD
  std::string symbol;            // 55
  std::string long_qty;          // 704
  std::string short_qty;         // 705
  std::string avg_px;            // 5707 (dialect): average entry price
  std::string settl_price;       // 730: the mark the venue values it at
};

// Callbacks, all on QuickFIX's socket thread(s). Implementations must not throw.
// `session` is QuickFIX's session id text (e.g. "FIX.4.4:VENUE->BALLAST").
class AcceptorEvents {
 public:
  virtual void on_logon(const std::string& session) = 0;
  virtual void on_logout(const std::string& session) = 0;
  virtual InboundVerdict on_order(const std::string& session, const InboundOrder& order) = 0;
  virtual InboundVerdict on_market_data_request(const std::string& session,
                                                const InboundMarketDataRequest& request) = 0;
  virtual InboundVerdict on_positions_request(const std::string& session,
                                              const InboundPositionRequest& request) = 0;

 protected:
  ~AcceptorEvents() {}
};

struct AcceptorOptions {
  int port = 9878;
  std::string store_path;                    // FileStorePath (created if missing)
  std::string sender_comp_id = "VENUE";      // ours
  std::vector<std::string> target_comp_ids;  // one session per client; empty: {"BALLAST"}
  int heartbeat_s = 30;
  std::string log_path;  // FileLogPath; empty: no message log
};

// A QuickFIX SocketAcceptor with one FIX.4.4 session per target comp id. The
// constructor throws std::runtime_error when QuickFIX refuses the settings.
// The simulator has no authentication: it serves this machine only. Given the text of
// /proc/net/tcp (or tcp6), the first established peer on local `port` whose address is
// not loopback, as "a.b.c.d:port"; "" when there is none. Logons are refused while one
// is connected (fail closed: QuickFIX does not say which socket a logon came on).
std::string non_loopback_peer(const std::string& proc_net_tcp, int port);

class FixAcceptor {
 public:
  FixAcceptor(const AcceptorOptions& options, AcceptorEvents& events);
  ~FixAcceptor();
  FixAcceptor(const FixAcceptor&) = delete;
  FixAcceptor& operator=(const FixAcceptor&) = delete;

  void start();  // throws std::runtime_error (e.g. the port is taken)
  void stop();   // idempotent

  // Thread-safe (QuickFIX locks each session). False when the session is unknown or not
  // logged on, or QuickFIX refused the message.
  bool send(const std::string& session, const OutboundExecution& report);
  bool send(const std::string& session, const OutboundCancelReject& reject);
  bool send(const std::string& session, const OutboundMarketData& data);
  bool send(const std::string& session, const OutboundMdReject& reject);
  bool send(const std::string& session, const OutboundFunding& funding);
  bool send(const std::string& session, const OutboundPositionAck& ack);
  bool send(const std::string& session, const OutboundPosition& position);

  // The `drop` fault: logs every logged-on session out (QuickFIX sends the Logout on its
  // own thread within about a second, then closes the connection) and lets it log on again
  // as soon as it is down, so the client's reconnect succeeds. Returns how many sessions it
  // dropped. Thread-safe.
  int drop_all();
  [[nodiscard]] bool logged_on(const std::string& session) const;

  std::vector<std::string> session_ids() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace venue_fix
}  // namespace ballast

#endif  // BALLAST_TOOLS_VENUE_FIX_FIX_ACCEPTOR_HPP
