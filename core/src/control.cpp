#include "ballast/core/control.hpp"

namespace ballast {

const char* to_string(ControlOp op) noexcept {
  switch (op) {
    case ControlOp::pause:
      return "pause";
    case ControlOp::resume:
      return "resume";
    case ControlOp::kill:
      return "kill";
    case ControlOp::reduce_only:
      return "reduce-only";
    case ControlOp::flatten:
      return "flatten";
    case ControlOp::set_target:
      return "set-target";
    case ControlOp::apply_reload:
      return "reload";
  }
  return "?";
}

const char* to_string(ControlResult r) noexcept {
  switch (r) {
    case ControlResult::ok:
      return "ok";
    case ControlResult::halted:
      return "the engine is HALTED: resume first";
    case ControlResult::unknown_asset:
      return "unknown asset";
    case ControlResult::base_currency:
      return "the base currency takes what the other targets leave; it has no target of its own";
    case ControlResult::bad_weight:
      return "weight must be in [0, 1]";
    case ControlResult::bad_band:
      return "band must be in (0, 1)";
    case ControlResult::weights_exceed_one:
      return "target weights would sum above 1";
    case ControlResult::nothing_to_flatten:
      return "no futures position to flatten";
    case ControlResult::expired:
      return "reached the engine after its deadline; not applied";
  }
  return "?";
}

const char* to_string(AlertKind k) noexcept {
  switch (k) {
    case AlertKind::risk_denied:
      return "risk_denied";
    case AlertKind::venue_reject:
      return "venue_reject";
    case AlertKind::session_down:
      return "session_down";
    case AlertKind::session_up:
      return "session_up";
    case AlertKind::position_mismatch:
      return "position_mismatch";
    case AlertKind::positions_unanswered:
      return "positions_unanswered";
    case AlertKind::mode_changed:
      return "mode_changed";
    case AlertKind::halted_on_loss:
      return "halted_on_session_loss";
    case AlertKind::flatten_done:
      return "flatten_done";
    case AlertKind::paused:
      return "paused";
    case AlertKind::nav_nonpositive:
      return "nav_nonpositive";
    case AlertKind::breaker_halted:
      return "breaker_halted";
    case AlertKind::price_held:
      return "price_held";
    case AlertKind::journal_failed:
      return "journal_failed";
  }
  return "?";
}

}  // namespace ballast
