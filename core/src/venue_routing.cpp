#include "ballast/core/venue_routing.hpp"

namespace ballast {

VenueRoutedSink::VenueRoutedSink(const Universe& universe) noexcept {
  const std::size_t n = universe.instrument_count();
  for (std::size_t i = 0; i < n && i < venue_of_.size(); ++i)
    venue_of_[i] = universe.instruments[i].venue;
}

void VenueRoutedSink::route(VenueId venue, OrderSink& sink) noexcept {
  if (venue >= by_venue_.size()) return;
  by_venue_[venue] = &sink;
  for (std::size_t k = 0; k < distinct_count_; ++k)
    if (distinct_[k] == &sink) return;
  if (distinct_count_ < distinct_.size()) distinct_[distinct_count_++] = &sink;
}

bool VenueRoutedSink::send(OrderRequest& order) noexcept {
  OrderSink* sink = nullptr;
  if (order.instrument < venue_of_.size()) sink = by_venue_[venue_of_[order.instrument]];
  if (sink == nullptr) {
    ++unrouted_;
    return false;
  }
  return sink->send(order);
}

std::size_t VenueRoutedSink::poll_reports(ExecReport* out, std::size_t max) noexcept {
  std::size_t got = 0;
  const std::size_t n = distinct_count_;
  for (std::size_t k = 0; k < n && got < max; ++k) {
    const std::size_t at = (next_poll_ + k) % n;
    got += distinct_[at]->poll_reports(out + got, max - got);
  }
  if (n > 0) next_poll_ = (next_poll_ + 1) % n;
  return got;
}

void VenueRoutedSink::warm() noexcept {
  for (std::size_t k = 0; k < distinct_count_; ++k) distinct_[k]->warm();
}

bool MergedTickSource::add(TickSource& source) noexcept {
  if (count_ >= sources_.size()) return false;
  sources_[count_++] = &source;
  return true;
}

bool MergedTickSource::poll(std::int64_t now_ns, MarketTick& out) noexcept {
  for (std::size_t k = 0; k < count_; ++k) {
    TickSource* s = sources_[next_];
    next_ = next_ + 1 == count_ ? 0 : next_ + 1;
    if (s->poll(now_ns, out)) return true;
  }
  return false;
}

bool MergedTickSource::exhausted() const noexcept {
  for (std::size_t k = 0; k < count_; ++k)
    if (!sources_[k]->exhausted()) return false;
  return true;
}

}  // namespace ballast
