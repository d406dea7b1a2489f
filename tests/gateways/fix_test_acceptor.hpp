// A small FIX 4.4 acceptor for the gateway tests: a real QuickFIX SocketAcceptor
// (SenderCompID VENUE, TargetCompID BALLAST) on a loopback port with its own FileStore.
// It records the order-entry, status and market-data requests it receives and sends
// whatever the test scripts: execution reports, market data (W/X with real repeating
// groups), funding payments, raw messages, PossDup-flagged messages.
//
// Its implementation includes QuickFIX, so it is compiled as C++14 (see
// gateways/fix/fix_session.hpp for why); this header is plain C++14 so the C++20 test
// can include it too.
#ifndef BALLAST_TESTS_GATEWAYS_FIX_TEST_ACCEPTOR_HPP
#define BALLAST_TESTS_GATEWAYS_FIX_TEST_ACCEPTOR_HPP

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ballast {
namespace testing {

// One NewOrderSingle / OrderCancelRequest / OrderCancelReplaceRequest as received.
struct AcceptedOrder {
  std::string msg_type;
  std::string cl_ord_id;
  std::string orig_cl_ord_id;
  std::string symbol;
  std::string side;
  std::string qty;
  std::string price;
  std::string ord_type;
  std::string time_in_force;
  std::string transact_time;
  std::string status_req_id;  // 790 (H)
  int seq_num = 0;
  bool poss_dup = false;
};

// One MarketDataRequest (V) as received, its two groups in wire order.
struct AcceptedMdRequest {
  std::string md_req_id;          // 262
  std::string subscription_type;  // 263
  std::string market_depth;       // 264
  std::string update_type;        // 265
  std::string no_entry_types;     // 267
  std::string no_related_sym;     // 146
  std::vector<std::string> entry_types;
  std::vector<std::string> symbols;
};

// One MDEntry to send in a W or X group: (tag, value) in any order.
using MdEntryFields = std::vector<std::pair<int, std::string>>;

// One ExecutionReport to send; empty strings are left out.
struct ExecSpec {
  std::string cl_ord_id;
  std::string orig_cl_ord_id;
  std::string exec_type;
  std::string ord_status;
  std::string symbol;
  std::string side;
  std::string last_qty;
  std::string last_px;
  std::string cum_qty;
  std::string leaves_qty;
  std::string commission;
  std::string comm_type;
  std::string ord_rej_reason;
};

using RawFields = std::vector<std::pair<int, std::string>>;

// What send_execution fills in itself unless given: ExecID (a fresh "E<n>"), AvgPx ("0").
struct ExecExtra {
  std::string exec_id;
  std::string avg_px;
  std::string ord_status_req_id;  // 790
};

class FixTestAcceptor {
 public:
  // Throws std::runtime_error when QuickFIX refuses the settings.
  FixTestAcceptor(int port, const std::string& store_dir);
  ~FixTestAcceptor();
  FixTestAcceptor(const FixTestAcceptor&) = delete;
  FixTestAcceptor& operator=(const FixTestAcceptor&) = delete;

  void start();
  void stop();

  bool logged_on() const;
  // A NewOrderSingle whose OrderQty exceeds this is answered at once with ExecType=8,
  // OrdRejReason=13 (incorrect quantity). 0: no limit.
  void set_max_qty(double max_qty);

  std::vector<AcceptedOrder> orders() const;
  std::size_t business_rejects_received() const;  // 35=j from the gateway
  std::size_t session_rejects_received() const;   // 35=3 from the gateway
  std::size_t gap_fills_received() const;         // 35=4 with GapFillFlag=Y
  // Username (553) and Password (554) of the last Logon received ("" when absent).
  std::string last_logon_username() const;
  std::string last_logon_password() const;
  // Every Logon from now on is refused with this text (RejectLogon: a Logout carrying it).
  void refuse_logons(const std::string& text);

  bool send_execution(const ExecSpec& spec);
  bool send_execution(const ExecSpec& spec, const ExecExtra& extra);
  // The MarketDataRequests received so far.
  std::vector<AcceptedMdRequest> md_requests() const;
  // W (msg_type "W") or X ("X"): `body` fields, then NoMDEntries(268) with one group per
  // entry (delimiter 269 for W, 279 for X). QuickFIX writes 268 = entries.size().
  bool send_market_data(const std::string& msg_type, const RawFields& body,
                        const std::vector<MdEntryFields>& entries);
  // The next application message goes out with PossDupFlag=Y and OrigSendingTime (as a
  // resend would), on a fresh sequence number so the gateway's session passes it on.
  void flag_next_poss_dup();
  bool send_cancel_reject(const std::string& cl_ord_id, const std::string& orig_cl_ord_id,
                          const std::string& ord_status, const std::string& cxl_rej_reason);
  // Any application message: body fields as given, MsgType as given.
  bool send_raw(const std::string& msg_type, const RawFields& fields);
  bool send_test_request(const std::string& id);

  // Sequence-number control, to make the acceptor ask for a resend.
  int next_target_seq() const;
  void set_next_target_seq(int seq);
  // Logs the session out and refuses logons until allow_logon().
  void logout();
  void allow_logon();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace testing
}  // namespace ballast

#endif  // BALLAST_TESTS_GATEWAYS_FIX_TEST_ACCEPTOR_HPP
