// Encoding and decoding of journal records (journal_record.hpp). Fields are written one by
// one in a fixed order, never as a memcpy of an in-memory struct: the file outlives the
// struct layouts of the build that wrote it.
#include "ballast/journal/journal_record.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "ballast/journal/crc32c.hpp"

namespace ballast::journal {
namespace {

static_assert(std::endian::native == std::endian::little,
              "fields are stored as the host's bytes, which must be little-endian");

constexpr char kRunMagic[8] = {'B', 'L', 'S', 'T', 'J', 'R', 'N', 'L'};

class PayloadWriter {
 public:
  explicit PayloadWriter(std::uint8_t* p) noexcept : p_(p) {}
  template <class T>
  void put(T v) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(p_ + n_, &v, sizeof v);
    n_ += sizeof v;
  }
  void put_bytes(const void* src, std::size_t n) noexcept {
    std::memcpy(p_ + n_, src, n);
    n_ += n;
  }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }

 private:
  std::uint8_t* p_;
  std::size_t n_ = 0;
};

// Reads never run past the payload: a short payload sets `short_` and yields zeros.
class PayloadReader {
 public:
  PayloadReader(const std::uint8_t* p, std::size_t n) noexcept : p_(p), n_(n) {}
  template <class T>
  T get() noexcept {
    T v{};
    if (at_ + sizeof v > n_) {
      short_ = true;
      return v;
    }
    std::memcpy(&v, p_ + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  bool get_bytes(void* dst, std::size_t n) noexcept {
    if (at_ + n > n_) return !(short_ = true);
    std::memcpy(dst, p_ + at_, n);
    at_ += n;
    return true;
  }
  // Every byte read and none missing: a payload longer than its version's is bad too.
  [[nodiscard]] bool exact() const noexcept { return !short_ && at_ == n_; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
  std::size_t at_ = 0;
  bool short_ = false;
};

template <class E>
bool enum_in(std::uint8_t raw, E last, E& out) noexcept {
  if (raw > static_cast<std::uint8_t>(last)) return false;
  out = static_cast<E>(raw);
  return true;
}

std::size_t finish_frame(RecordType type, std::uint16_t version, std::size_t payload,
                         std::uint8_t* buf) noexcept {
  const auto len = static_cast<std::uint32_t>(payload);
  const auto t = static_cast<std::uint16_t>(type);
  std::memcpy(buf + 8, &t, 2);
  std::memcpy(buf + 10, &version, 2);
  const std::uint32_t crc = crc32c(buf + 8, 4 + payload);
  std::memcpy(buf, &len, 4);
  std::memcpy(buf + 4, &crc, 4);
  return kFrameBytes + payload;
}

void write_order_sent(const JournalEvent& e, PayloadWriter& w) noexcept {
  w.put(e.wall_ns);
  w.put(e.client_order_id);
  w.put(e.request_id);
  w.put(e.lots);
  w.put(e.price_ticks);
  w.put(e.instrument);
  w.put(static_cast<std::uint8_t>(e.side));
  w.put(static_cast<std::uint8_t>(e.request));
  w.put(static_cast<std::uint8_t>(e.reason));
}

bool read_order_sent(PayloadReader& r, JournalEvent& e, std::uint16_t version) noexcept {
  e.kind = JournalEventKind::order_sent;
  e.wall_ns = r.get<std::int64_t>();
  e.client_order_id = r.get<std::uint64_t>();
  e.request_id = r.get<std::uint64_t>();
  e.lots = r.get<std::int64_t>();
  e.price_ticks = r.get<std::int64_t>();
  e.instrument = r.get<InstrumentId>();
  const bool enums =
      enum_in(r.get<std::uint8_t>(), Side::sell, e.side) &&
      enum_in(r.get<std::uint8_t>(), version >= 2 ? RequestKind::positions : RequestKind::status,
              e.request) &&
      enum_in(r.get<std::uint8_t>(), OrderReason::roll, e.reason);
  return enums && r.exact() && e.lots >= 0;
}

void write_report(const JournalEvent& e, PayloadWriter& w) noexcept {
  w.put(e.wall_ns);
  w.put(e.client_order_id);
  w.put(e.request_id);  // v2: the venue's execution id
  w.put(e.lots);
  w.put(e.price_ticks);
  w.put(e.cum_lots);
  w.put(e.leaves_lots);
  w.put(e.amount);
  w.put(e.instrument);
  w.put(e.reject_code);
  w.put(e.venue);
  w.put(static_cast<std::uint8_t>(e.side));
  w.put(static_cast<std::uint8_t>(e.exec));
  w.put(static_cast<std::uint8_t>(e.status));
}

bool read_report(PayloadReader& r, JournalEvent& e, std::uint16_t version) noexcept {
  e.kind = JournalEventKind::report;
  e.wall_ns = r.get<std::int64_t>();
  e.client_order_id = r.get<std::uint64_t>();
  e.request_id = version >= 2 ? r.get<std::uint64_t>() : 0;
  e.lots = r.get<std::int64_t>();
  e.price_ticks = r.get<std::int64_t>();
  e.cum_lots = r.get<std::int64_t>();
  e.leaves_lots = r.get<std::int64_t>();
  e.amount = r.get<double>();
  e.instrument = r.get<InstrumentId>();
  e.reject_code = r.get<std::uint16_t>();
  e.venue = r.get<VenueId>();
  const bool enums =
      enum_in(r.get<std::uint8_t>(), Side::sell, e.side) &&
      enum_in(r.get<std::uint8_t>(), version >= 2 ? ExecKind::positions_end : ExecKind::session_up,
              e.exec) &&
      enum_in(r.get<std::uint8_t>(), OrderStatus::unknown, e.status);
  return enums && r.exact();
}

void write_control(const JournalEvent& e, PayloadWriter& w) noexcept {
  w.put(e.wall_ns);
  w.put(e.amount);
  w.put(e.band);
  w.put(e.asset);
  w.put(static_cast<std::uint8_t>(e.op));
  w.put(static_cast<std::uint8_t>(e.result));
  w.put(static_cast<std::uint8_t>(e.has_band ? 1 : 0));
}

bool read_control(PayloadReader& r, JournalEvent& e) noexcept {
  e.kind = JournalEventKind::control;
  e.wall_ns = r.get<std::int64_t>();
  e.amount = r.get<double>();
  e.band = r.get<double>();
  e.asset = r.get<AssetId>();
  const bool enums = enum_in(r.get<std::uint8_t>(), ControlOp::apply_reload, e.op) &&
                     enum_in(r.get<std::uint8_t>(), ControlResult::expired, e.result);
  const std::uint8_t has_band = r.get<std::uint8_t>();
  e.has_band = has_band == 1;
  return enums && has_band <= 1 && r.exact();
}

// cash | u16 n, n x (asset u16, qty f64) | u16 m, m x (instrument u16, lots i64, entry f64)
void write_seed(const PortfolioState& p, PayloadWriter& w) noexcept {
  w.put(p.cash);
  std::uint16_t n = 0;
  for (const double q : p.spot_qty) n = static_cast<std::uint16_t>(n + (q != 0.0 ? 1 : 0));
  w.put(n);
  for (std::size_t a = 0; a < p.spot_qty.size(); ++a) {
    if (p.spot_qty[a] == 0.0) continue;
    w.put(static_cast<AssetId>(a));
    w.put(p.spot_qty[a]);
  }
  std::uint16_t m = 0;
  for (const FuturesPosition& f : p.positions)
    m = static_cast<std::uint16_t>(m + (f.lots != 0 ? 1 : 0));
  w.put(m);
  for (std::size_t i = 0; i < p.positions.size(); ++i) {
    if (p.positions[i].lots == 0) continue;
    w.put(static_cast<InstrumentId>(i));
    w.put(p.positions[i].lots);
    w.put(p.positions[i].entry_price);
  }
}

bool read_seed(PayloadReader& r, PortfolioState& p) noexcept {
  p = PortfolioState{};
  p.cash = r.get<double>();
  const auto n = r.get<std::uint16_t>();
  for (std::uint16_t k = 0; k < n; ++k) {
    const auto a = r.get<AssetId>();
    const double q = r.get<double>();
    if (a >= p.spot_qty.size()) return false;
    p.spot_qty[a] = q;
  }
  const auto m = r.get<std::uint16_t>();
  for (std::uint16_t k = 0; k < m; ++k) {
    const auto i = r.get<InstrumentId>();
    const auto lots = r.get<std::int64_t>();
    const double entry = r.get<double>();
    if (i >= p.positions.size()) return false;
    p.positions[i] = FuturesPosition{lots, entry};
  }
  return r.exact();
}

bool read_run_start(PayloadReader& r, RunStart& run) noexcept {
  char magic[sizeof kRunMagic];
  if (!r.get_bytes(magic, sizeof magic) || std::memcmp(magic, kRunMagic, sizeof magic) != 0)
    return false;
  run.config_hash = r.get<std::uint64_t>();
  run.universe_hash = r.get<std::uint64_t>();
  run.wall_ns = r.get<std::int64_t>();
  run.software_version_len = r.get<std::uint8_t>();
  if (run.software_version_len > kMaxSoftwareVersion) return false;
  return r.get_bytes(run.software_version, run.software_version_len) && r.exact();
}

}  // namespace

const char* to_string(RecordType t) noexcept {
  switch (t) {
    case RecordType::run_start:
      return "run_start";
    case RecordType::order_sent:
      return "order_sent";
    case RecordType::report:
      return "report";
    case RecordType::control:
      return "control";
    case RecordType::seed:
      return "seed";
  }
  return "?";
}

const char* to_string(DecodeStatus s) noexcept {
  switch (s) {
    case DecodeStatus::ok:
      return "ok";
    case DecodeStatus::unknown_type:
      return "unknown record type or version";
    case DecodeStatus::need_more:
      return "record runs past the end of the file";
    case DecodeStatus::bad_length:
      return "impossible record length";
    case DecodeStatus::bad_checksum:
      return "checksum mismatch";
    case DecodeStatus::bad_payload:
      return "fields out of range";
  }
  return "?";
}

void RunStart::set_software_version(std::string_view v) noexcept {
  software_version_len = static_cast<std::uint8_t>(std::min(v.size(), kMaxSoftwareVersion));
  std::memcpy(software_version, v.data(), software_version_len);
}

std::size_t encode_event(const JournalEvent& e, std::uint8_t* buf) noexcept {
  PayloadWriter w(buf + kFrameBytes);
  RecordType type = RecordType::order_sent;
  std::uint16_t version = kOrderSentVersion;
  switch (e.kind) {
    case JournalEventKind::order_sent:
      write_order_sent(e, w);
      break;
    case JournalEventKind::report:
      type = RecordType::report;
      version = kReportVersion;
      write_report(e, w);
      break;
    case JournalEventKind::control:
      type = RecordType::control;
      version = kControlVersion;
      write_control(e, w);
      break;
  }
  return finish_frame(type, version, w.size(), buf);
}

std::size_t encode_seed(const PortfolioState& p, std::uint8_t* buf) noexcept {
  PayloadWriter w(buf + kFrameBytes);
  write_seed(p, w);
  return finish_frame(RecordType::seed, kSeedVersion, w.size(), buf);
}

std::size_t encode_run_start(const RunStart& r, std::uint8_t* buf) noexcept {
  PayloadWriter w(buf + kFrameBytes);
  w.put_bytes(kRunMagic, sizeof kRunMagic);
  w.put(r.config_hash);
  w.put(r.universe_hash);
  w.put(r.wall_ns);
  const std::uint8_t n = std::min<std::uint8_t>(r.software_version_len, kMaxSoftwareVersion);
  w.put(n);
  w.put_bytes(r.software_version, n);
  return finish_frame(RecordType::run_start, kRunStartVersion, w.size(), buf);
}

Decoded decode_record(const std::uint8_t* data, std::size_t len, JournalRecord& out) noexcept {
  if (len < kFrameBytes) return {DecodeStatus::need_more, 0};
  std::uint32_t payload = 0, crc = 0;
  std::uint16_t type = 0, version = 0;
  std::memcpy(&payload, data, 4);
  std::memcpy(&crc, data + 4, 4);
  std::memcpy(&type, data + 8, 2);
  std::memcpy(&version, data + 10, 2);
  if (payload == 0 || payload > kMaxPayloadBytes) return {DecodeStatus::bad_length, 0};
  const std::size_t size = kFrameBytes + payload;
  if (len < size) return {DecodeStatus::need_more, size};
  if (crc32c(data + 8, 4 + payload) != crc) return {DecodeStatus::bad_checksum, size};
  out.type = static_cast<RecordType>(type);
  out.version = version;
  PayloadReader r(data + kFrameBytes, payload);
  bool ok = false;
  switch (out.type) {
    case RecordType::run_start:
      if (version != 1) return {DecodeStatus::unknown_type, size};
      ok = read_run_start(r, out.run);
      break;
    case RecordType::order_sent:
      if (version < 1 || version > kOrderSentVersion) return {DecodeStatus::unknown_type, size};
      ok = read_order_sent(r, out.event, version);
      break;
    case RecordType::report:
      if (version < 1 || version > kReportVersion) return {DecodeStatus::unknown_type, size};
      ok = read_report(r, out.event, version);
      break;
    case RecordType::control:
      if (version != 1) return {DecodeStatus::unknown_type, size};
      ok = read_control(r, out.event);
      break;
    case RecordType::seed:
      if (version != 1) return {DecodeStatus::unknown_type, size};
      ok = read_seed(r, out.seed);
      break;
    default:
      return {DecodeStatus::unknown_type, size};
  }
  return {ok ? DecodeStatus::ok : DecodeStatus::bad_payload, size};
}

std::uint64_t fnv1a64(std::string_view bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : bytes) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace ballast::journal
