// RateLimitState: the venue's request-weight and order windows as its responses report
// them, and the client's own count between responses (response_parser.hpp).
#include "ballast/binance/response_parser.hpp"

namespace ballast::binance {

// ---- RateLimitState -------------------------------------------------------------------

namespace {
std::int64_t window_start(std::int64_t now_ms, std::int64_t interval_ms) noexcept {
  return interval_ms > 0 ? now_ms - (now_ms % interval_ms) : now_ms;
}
}  // namespace

void RateLimitState::update(RateLimitType type, std::int64_t interval_ms, std::int64_t limit,
                            std::int64_t count, std::int64_t now_ms) noexcept {
  if (interval_ms <= 0 || limit <= 0) return;
  RateLimitWindow* slot = nullptr;
  for (std::size_t i = 0; i < count_; ++i)
    if (windows_[i].type == type && windows_[i].interval_ms == interval_ms) slot = &windows_[i];
  if (slot == nullptr) {
    if (count_ == kMaxWindows) return;
    slot = &windows_[count_++];
  }
  slot->type = type;
  slot->interval_ms = interval_ms;
  slot->limit = limit;
  slot->count = count;
  slot->window_start_ms = window_start(now_ms, interval_ms);
}

void RateLimitState::on_sent(RateLimitType type, std::int64_t now_ms, std::int64_t cost) noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    RateLimitWindow& w = windows_[i];
    if (w.type != type) continue;
    const std::int64_t start = window_start(now_ms, w.interval_ms);
    if (start != w.window_start_ms) {
      w.window_start_ms = start;
      w.count = 0;
    }
    w.count += cost;
  }
}

std::int64_t RateLimitState::remaining(RateLimitType type, std::int64_t now_ms) const noexcept {
  std::int64_t best = INT64_MAX;
  for (std::size_t i = 0; i < count_; ++i) {
    const RateLimitWindow& w = windows_[i];
    if (w.type != type) continue;
    const bool same_window = window_start(now_ms, w.interval_ms) == w.window_start_ms;
    const std::int64_t left = w.limit - (same_window ? w.count : 0);
    if (left < best) best = left;
  }
  return best < 0 ? 0 : best;
}

bool RateLimitState::would_exceed(RateLimitType type, std::int64_t now_ms,
                                  std::int64_t cost) const noexcept {
  return backing_off(now_ms) || remaining(type, now_ms) < cost;
}

void RateLimitState::back_off_until(std::int64_t until_ms) noexcept {
  if (until_ms > backoff_until_ms_) backoff_until_ms_ = until_ms;
}

}  // namespace ballast::binance
