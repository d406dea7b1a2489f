// FixOrderGateway's session events: logon (with the market-data subscription), logout,
// the venue's own Logout text, and the counters of what QuickFIX refused.
#include "fix_gateway_parts.hpp"

namespace ballast::gateways {

using namespace fix_fields;

// The subscription first (every logon: the venue forgets it with the session), then
// logged_on() and session_up, so every order and status query follows the V on the wire.
void FixOrderGateway::Events::on_logon() {
  g_.counters_.logons.fetch_add(1, std::memory_order_relaxed);
  book_.reset();  // the venue sends fresh snapshots
  if (g_.options_.subscribe_market_data && g_.session_) {
    char id[32];
    const std::uint64_t n = ++md_requests_;
    std::string req_id = "BALLAST-MD-";
    req_id.append(id, write_id(n, id, sizeof id));
    fix::SendResult sent = fix::SendResult::failed;
    try {
      sent = g_.session_->send_market_data_request(req_id);
    } catch (...) {
      sent = fix::SendResult::failed;
    }
    if (sent == fix::SendResult::sent)
      g_.counters_.md_requests_sent.fetch_add(1, std::memory_order_relaxed);
    else
      g_.counters_.md_request_failures.fetch_add(1, std::memory_order_relaxed);
  }
  reports_.reset_positions();  // an answer cut by the last session never ends
  g_.logged_on_.store(true, std::memory_order_release);
  push_session_event(ExecKind::session_up);
}

// QuickFIX also calls onLogout when a logon attempt fails (it had sent Logon): only the
// end of a live session counts as a disconnect (and is reported as session_down).
void FixOrderGateway::Events::on_logout() {
  if (g_.logged_on_.exchange(false, std::memory_order_acq_rel)) {
    g_.counters_.disconnects.fetch_add(1, std::memory_order_relaxed);
    push_session_event(ExecKind::session_down);
  }
}

void FixOrderGateway::Events::on_peer_logout(const std::string& text) {
  g_.problem_.set({"venue logged out", text.empty() ? "no reason given" : text});
}

void FixOrderGateway::Events::on_socket_error(const std::string& where, const std::string& error) {
  g_.problem_.set({"socket error", where.empty() ? "no address given" : where, error});
}

void FixOrderGateway::Events::on_md_reject(const fix::InboundMdReject&) {
  g_.counters_.md_rejects.fetch_add(1, std::memory_order_relaxed);
}

void FixOrderGateway::Events::on_unsupported(const std::string&) {
  g_.counters_.unsupported.fetch_add(1, std::memory_order_relaxed);
}

void FixOrderGateway::Events::on_resend_suppressed() {
  g_.counters_.resends_suppressed.fetch_add(1, std::memory_order_relaxed);
}

void FixOrderGateway::Events::on_session_reject() {
  g_.counters_.session_rejects.fetch_add(1, std::memory_order_relaxed);
}

void FixOrderGateway::Events::push_session_event(ExecKind kind) noexcept {
  ExecReport r;
  r.recv_tsc = TscClock::now();
  r.kind = kind;
  r.venue = g_.options_.venue;
  g_.counters_.session_events.fetch_add(1, std::memory_order_relaxed);
  g_.push_report(r);
}

}  // namespace ballast::gateways
