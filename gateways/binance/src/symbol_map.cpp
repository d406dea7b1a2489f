#include "ballast/binance/symbol_map.hpp"

#include <cstring>

namespace ballast::binance {
namespace {

constexpr char to_upper_ascii(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}
constexpr char to_lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// FNV-1a over the upper-cased bytes, so "btcusdt" and "BTCUSDT" probe the same slot.
std::size_t hash_upper(std::string_view s) noexcept {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(to_upper_ascii(c));
    h *= 1099511628211ULL;
  }
  return static_cast<std::size_t>(h);
}

}  // namespace

std::string BinanceSymbolMap::to_venue_symbol(std::string_view our_symbol, InstrumentKind kind) {
  std::string out(our_symbol);
  if (kind == InstrumentKind::perpetual) {
    constexpr std::string_view kPerp = "-PERP";
    if (out.size() > kPerp.size() &&
        out.compare(out.size() - kPerp.size(), kPerp.size(), kPerp) == 0)
      out.resize(out.size() - kPerp.size());
  } else if (kind == InstrumentKind::future) {
    // Binance dates its delivery contracts with an underscore: BTCUSDT_261225.
    if (auto dash = out.rfind('-'); dash != std::string::npos) out[dash] = '_';
  }
  for (char& c : out) c = to_upper_ascii(c);
  return out;
}

BinanceSymbolMap::BinanceSymbolMap(const Universe& universe, VenueId venue) {
  table_.fill(kNoSlot);
  slot_of_.fill(kNoSlot);
  for (std::size_t i = 0; i < universe.instruments.size() && i < kMaxInstruments; ++i) {
    const InstrumentSpec& spec = universe.instruments[i];
    if (spec.venue != venue || spec.kind == InstrumentKind::spot) continue;
    const std::string name = to_venue_symbol(spec.symbol, spec.kind);
    if (name.empty() || name.size() > kMaxSymbolLength) continue;
    if (find(name) != kNoInstrument) continue;  // two of ours with one venue name: first wins
    Entry e;
    std::memcpy(e.upper.data(), name.data(), name.size());
    e.length = static_cast<std::uint8_t>(name.size());
    e.id = static_cast<InstrumentId>(i);
    e.tick = spec.tick_size;
    // USDⓈ-M quantities are in the base asset (BTC), Ballast's lots in contracts of
    // contract_size base units: one lot on the wire is contract_size x lot_size.
    e.lot = spec.lot_size;
    if (!spec.is_inverse()) {
      const auto q = multiply_steps(spec.contract_size.units, spec.lot_size);
      if (!q) continue;
      e.lot = Decimal{q->units, q->scale + spec.contract_size.scale};
    }
    if (spec.quote < universe.assets.size()) e.quote = universe.assets[spec.quote].name;
    const auto slot = static_cast<std::uint16_t>(entries_.size());
    entries_.push_back(std::move(e));
    ids_.push_back(static_cast<InstrumentId>(i));
    slot_of_[i] = slot;
    std::size_t pos = hash_upper(name) % kTableSize;
    while (table_[pos] != kNoSlot) pos = (pos + 1) % kTableSize;
    table_[pos] = slot;
  }
}

InstrumentId BinanceSymbolMap::find(std::string_view venue_symbol) const noexcept {
  if (venue_symbol.empty() || venue_symbol.size() > kMaxSymbolLength || entries_.empty())
    return kNoInstrument;
  std::size_t pos = hash_upper(venue_symbol) % kTableSize;
  for (std::size_t probes = 0; probes < kTableSize; ++probes) {
    const std::uint16_t slot = table_[pos];
    if (slot == kNoSlot) return kNoInstrument;
    const Entry& e = entries_[slot];
    if (e.length == venue_symbol.size()) {
      bool same = true;
      for (std::size_t k = 0; k < venue_symbol.size(); ++k) {
        if (to_upper_ascii(venue_symbol[k]) != e.upper[k]) {
          same = false;
          break;
        }
      }
      if (same) return e.id;
    }
    pos = (pos + 1) % kTableSize;
  }
  return kNoInstrument;
}

std::string_view BinanceSymbolMap::venue_symbol(InstrumentId id) const noexcept {
  if (!contains(id)) return {};
  const Entry& e = entries_[slot_of_[id]];
  return {e.upper.data(), e.length};
}

const Decimal& BinanceSymbolMap::tick_size(InstrumentId id) const noexcept {
  return entries_[slot_of_[id]].tick;
}
const Decimal& BinanceSymbolMap::lot_size(InstrumentId id) const noexcept {
  return entries_[slot_of_[id]].lot;
}
std::string_view BinanceSymbolMap::quote_asset(InstrumentId id) const noexcept {
  if (!contains(id)) return {};
  return entries_[slot_of_[id]].quote;
}

std::size_t BinanceSymbolMap::write_stream_name(InstrumentId id, BinanceStream stream, char* out,
                                                std::size_t cap) const noexcept {
  if (!contains(id)) return 0;
  const Entry& e = entries_[slot_of_[id]];
  std::string_view suffix;
  switch (stream) {
    case BinanceStream::book_ticker:
      suffix = "@bookTicker";
      break;
    case BinanceStream::mark_price_1s:
      suffix = "@markPrice@1s";
      break;
    case BinanceStream::depth_100ms:
      suffix = "@depth@100ms";
      break;
  }
  const std::size_t need = e.length + suffix.size();
  if (need > cap) return 0;
  for (std::size_t k = 0; k < e.length; ++k) out[k] = to_lower_ascii(e.upper[k]);
  std::memcpy(out + e.length, suffix.data(), suffix.size());
  return need;
}

std::string BinanceSymbolMap::stream_name(InstrumentId id, BinanceStream stream) const {
  char buf[kMaxSymbolLength + 32];
  return std::string(buf, write_stream_name(id, stream, buf, sizeof buf));
}

}  // namespace ballast::binance
