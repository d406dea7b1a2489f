#include "ballast/core/instrument.hpp"

#include "ballast/core/config.hpp"

namespace ballast {

const char* to_string(InstrumentKind k) noexcept {
  switch (k) {
    case InstrumentKind::spot:
      return "spot";
    case InstrumentKind::perpetual:
      return "perpetual";
    case InstrumentKind::future:
      return "future";
  }
  return "?";
}

const char* to_string(Settlement s) noexcept {
  return s == Settlement::inverse ? "inverse" : "linear";
}

const char* to_string(TriggerMode m) noexcept {
  switch (m) {
    case TriggerMode::threshold:
      return "threshold";
    case TriggerMode::calendar:
      return "calendar";
    case TriggerMode::both:
      return "both";
  }
  return "?";
}

const char* to_string(RebalanceTo r) noexcept {
  return r == RebalanceTo::band_edge ? "band_edge" : "target";
}

const char* to_string(HedgeMethod m) noexcept {
  switch (m) {
    case HedgeMethod::hedge:
      return "hedge";
    case HedgeMethod::synthetic_pair:
      return "synthetic_pair";
    case HedgeMethod::spot:
      return "spot";
  }
  return "?";
}

const char* to_string(IdleKind k) noexcept {
  switch (k) {
    case IdleKind::spin:
      return "spin";
    case IdleKind::yield:
      return "yield";
    case IdleKind::backoff:
      return "backoff";
  }
  return "?";
}

const char* to_string(AgentKind k) noexcept {
  switch (k) {
    case AgentKind::market_data:
      return "md";
    case AgentKind::engine:
      return "engine";
    case AgentKind::orders:
      return "orders";
  }
  return "?";
}

void InstrumentSpec::derive() noexcept {
  contract_size_d = contract_size.to_double();
  contract_value_d = contract_value.to_double();
  lot_size_d = lot_size.to_double();
  tick_size_d = tick_size.to_double();
  max_order_qty_d = max_order_qty.to_double();
  min_qty_d = min_qty.to_double();
}

}  // namespace ballast
