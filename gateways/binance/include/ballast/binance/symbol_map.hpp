// Binance USDⓈ-M names for the futures of one venue of the Universe: "BTCUSDT-PERP" is
// "BTCUSDT" there, "BTCUSDT-261225" is "BTCUSDT_261225". Lookups by venue symbol are
// case-insensitive (streams are lowercase) and allocation-free, for the per-message path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/decimal.hpp"
#include "ballast/core/ids.hpp"
#include "ballast/core/model.hpp"

namespace ballast::binance {

enum class BinanceStream : std::uint8_t { book_ticker, mark_price_1s, depth_100ms };

class BinanceSymbolMap {
 public:
  // Venue symbols longer than this cannot be Binance futures names; they are skipped.
  static constexpr std::size_t kMaxSymbolLength = 31;

  // Takes every perpetual and dated future of `universe` whose venue is `venue`.
  BinanceSymbolMap(const Universe& universe, VenueId venue);

  // kNoInstrument when `venue_symbol` (any case) is not one of ours.
  [[nodiscard]] InstrumentId find(std::string_view venue_symbol) const noexcept;
  // "" when `id` is not mapped.
  [[nodiscard]] std::string_view venue_symbol(InstrumentId id) const noexcept;
  [[nodiscard]] bool contains(InstrumentId id) const noexcept {
    return id < kMaxInstruments && slot_of_[id] != kNoSlot;
  }
  // The instrument's price and quantity increments (what order encoding writes and
  // what incoming decimal strings are converted with). Only valid when contains(id).
  [[nodiscard]] const Decimal& tick_size(InstrumentId id) const noexcept;
  [[nodiscard]] const Decimal& lot_size(InstrumentId id) const noexcept;
  // The quote asset's name ("USDT"): fees in another asset are counted, not converted.
  [[nodiscard]] std::string_view quote_asset(InstrumentId id) const noexcept;

  // "btcusdt@bookTicker", "btcusdt@markPrice@1s", "btcusdt@depth@100ms": length written,
  // 0 when it does not fit or `id` is not mapped.
  std::size_t write_stream_name(InstrumentId id, BinanceStream stream, char* out,
                                std::size_t cap) const noexcept;
  [[nodiscard]] std::string stream_name(InstrumentId id, BinanceStream stream) const;

  // Mapped instruments, in universe order.
  [[nodiscard]] const std::vector<InstrumentId>& instruments() const noexcept { return ids_; }
  [[nodiscard]] std::size_t size() const noexcept { return ids_.size(); }

  // The Binance name for one of our symbols of `kind` (start-up code only).
  [[nodiscard]] static std::string to_venue_symbol(std::string_view our_symbol,
                                                   InstrumentKind kind);

 private:
  static constexpr std::uint16_t kNoSlot = 0xFFFF;
  static constexpr std::size_t kTableSize = 2 * kMaxInstruments;  // load <= 1/2

  struct Entry {
    std::array<char, kMaxSymbolLength + 1> upper{};  // NUL-terminated, upper case
    std::uint8_t length = 0;
    InstrumentId id = kNoInstrument;
    Decimal tick{};
    Decimal lot{};
    std::string quote;
  };

  std::vector<Entry> entries_;
  std::vector<InstrumentId> ids_;
  std::array<std::uint16_t, kTableSize> table_{};  // open addressing: index into entries_
  std::array<std::uint16_t, kMaxInstruments> slot_of_{};
};

}  // namespace ballast::binance
