#include "ballast/venue/execution.hpp"

namespace ballast::venue {

const char* to_string(ExecType t) noexcept {
  switch (t) {
    case ExecType::new_order:
      return "new";
    case ExecType::partial_fill:
      return "partial_fill";
    case ExecType::fill:
      return "fill";
    case ExecType::canceled:
      return "canceled";
    case ExecType::replaced:
      return "replaced";
    case ExecType::restated:
      return "restated";
    case ExecType::rejected:
      return "rejected";
    case ExecType::expired:
      return "expired";
    case ExecType::cancel_rejected:
      return "cancel_rejected";
  }
  return "?";
}

ExecReport Execution::to_exec_report() const noexcept {
  ExecReport r;
  r.client_order_id = client_order_id;
  r.last_lots = last_lots;
  r.cum_lots = cum_lots;
  r.leaves_lots = leaves_lots;
  r.last_price_ticks = last_price_ticks;
  r.fee = fee;
  r.instrument = instrument;
  r.side = side;
  r.reject_code = static_cast<std::uint16_t>(reason);
  switch (exec_type) {
    case ExecType::new_order:
    case ExecType::replaced:
    case ExecType::restated:
      r.kind = ExecKind::ack;
      break;
    case ExecType::partial_fill:
      r.kind = ExecKind::partial_fill;
      break;
    case ExecType::fill:
      r.kind = ExecKind::fill;
      break;
    case ExecType::canceled:
      r.kind = ExecKind::canceled;
      break;
    case ExecType::rejected:
      r.kind = ExecKind::rejected;
      break;
    case ExecType::cancel_rejected:
      // The order is still live: to the engine this restates it (reject_code says why the
      // request failed); mapping it to `rejected` would wrongly close the order.
      r.kind = ExecKind::ack;
      break;
    case ExecType::expired:
      r.kind = ExecKind::expired;
      break;
  }
  return r;
}

}  // namespace ballast::venue
