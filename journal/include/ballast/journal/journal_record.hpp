// The journal's on-disk record: a 12-byte frame (payload length, CRC-32C, type, version)
// and a little-endian payload whose layout is fixed per (type, version). Encoders write
// into the caller's buffer; the decoder reads a view of bytes and never throws: every
// malformed input is a status, so a torn or corrupt file is reported, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ballast/core/journal_event.hpp"
#include "ballast/core/model.hpp"

namespace ballast::journal {

// Frame: u32 payload length | u32 crc32c(type, version, payload) | u16 type | u16 version.
inline constexpr std::size_t kFrameBytes = 12;
// The largest record, a seed of every asset and instrument, is ~2.7 KiB; a length above
// this is a corrupt frame, not a huge record.
inline constexpr std::size_t kMaxPayloadBytes = 4096;
inline constexpr std::size_t kMaxRecordBytes = kFrameBytes + kMaxPayloadBytes;

// Types are never renumbered. A reader skips a type it does not know (a newer writer's)
// and decodes every version of the types it knows, old ones included.
enum class RecordType : std::uint16_t {
  run_start = 1,   // a run opened the journal: config hash, software version
  order_sent = 2,  // JournalEvent order_sent
  report = 3,      // JournalEvent report
  control = 4,     // JournalEvent control
  seed = 5,        // the portfolio a fresh journal starts from ([portfolio])
};
[[nodiscard]] const char* to_string(RecordType t) noexcept;

// The version each type is written at today. order_sent v2: RequestKind::positions
// (same layout as v1); report v2: the venue's execution id after the client order id, and
// ExecKind::position / positions_end. A v1 record reads as before (no execution id).
inline constexpr std::uint16_t kRunStartVersion = 1;
inline constexpr std::uint16_t kOrderSentVersion = 2;
inline constexpr std::uint16_t kReportVersion = 2;
inline constexpr std::uint16_t kControlVersion = 1;
inline constexpr std::uint16_t kSeedVersion = 1;

inline constexpr std::size_t kMaxSoftwareVersion = 48;

struct RunStart {
  std::uint64_t config_hash = 0;  // FNV-1a of the config file's bytes
  // FNV-1a of the asset names and instrument symbols in order: the ids every record of
  // the run uses mean these instruments (journal_replay.hpp: universe_fingerprint).
  std::uint64_t universe_hash = 0;
  std::int64_t wall_ns = 0;
  std::uint8_t software_version_len = 0;
  char software_version[kMaxSoftwareVersion] = {};

  [[nodiscard]] std::string_view software_version_text() const noexcept {
    return {software_version, software_version_len};
  }
  // Truncated to kMaxSoftwareVersion bytes.
  void set_software_version(std::string_view v) noexcept;
};

struct JournalRecord {
  RecordType type = RecordType::run_start;
  std::uint16_t version = 0;
  std::uint64_t offset = 0;  // of the frame, in the file
  RunStart run;              // run_start
  JournalEvent event;        // order_sent, report, control
  PortfolioState seed;       // seed: cash, every non-zero spot quantity and position
};

enum class DecodeStatus : std::uint8_t {
  ok,
  unknown_type,  // a whole, checksummed frame of a type or version this reader lacks: skip
  need_more,     // the frame runs past the bytes given (at the end of a file: torn)
  bad_length,    // payload length 0 or above kMaxPayloadBytes
  bad_checksum,  // the bytes are not what was written
  bad_payload,   // checksummed, but the fields make no sense (an enum out of range)
};
[[nodiscard]] const char* to_string(DecodeStatus s) noexcept;

struct Decoded {
  DecodeStatus status = DecodeStatus::need_more;
  std::size_t size = 0;  // bytes of the frame when its length was readable, else 0
};

// Decodes the frame at data[0..len). `out.offset` is left to the caller.
[[nodiscard]] Decoded decode_record(const std::uint8_t* data, std::size_t len,
                                    JournalRecord& out) noexcept;

// Each writes one whole frame into buf (room for kMaxRecordBytes) and returns its size.
std::size_t encode_event(const JournalEvent& e, std::uint8_t* buf) noexcept;
std::size_t encode_run_start(const RunStart& r, std::uint8_t* buf) noexcept;
std::size_t encode_seed(const PortfolioState& p, std::uint8_t* buf) noexcept;

// FNV-1a 64 over bytes: the config hash a run_start carries.
[[nodiscard]] std::uint64_t fnv1a64(std::string_view bytes) noexcept;

}  // namespace ballast::journal
