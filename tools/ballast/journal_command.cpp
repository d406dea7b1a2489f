// `ballast journal` (journal_command.hpp).
#include "ballast/journal_command.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "ballast/ballast_config.hpp"
#include "ballast/core/json_writer.hpp"
#include "ballast/journal/journal_reader.hpp"

namespace ballast::tools {
namespace {

using journal::JournalRecord;
using journal::JournalScan;
using journal::RecordType;

struct ShowOptions {
  std::string file;
  bool json = false;
  std::uint64_t from = 0;
  std::optional<std::string> config;
};

int bad(const std::string& message) {
  std::fprintf(stderr, "ballast: journal: %s (see ballast --help)\n", message.c_str());
  return 2;
}

// "2026-12-07T22:31:05.123456789Z"
std::string utc(std::int64_t wall_ns) {
  const std::time_t s = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(wall_ns % 1'000'000'000));
  return out;
}

class RecordPrinter {
 public:
  RecordPrinter(bool json, const Universe* universe) : json_(json), universe_(universe) {}

  void print(std::uint64_t index, const JournalRecord& r) const {
    if (json_) {
      std::printf("%s\n", as_json(index, r).c_str());
      return;
    }
    const std::int64_t wall = r.type == RecordType::run_start ? r.run.wall_ns : r.event.wall_ns;
    const std::string when = r.type == RecordType::seed ? std::string("-") : utc(wall);
    std::printf("#%llu @%llu %s %s %s\n", static_cast<unsigned long long>(index),
                static_cast<unsigned long long>(r.offset), when.c_str(), journal::to_string(r.type),
                words(r).c_str());
  }

 private:
  [[nodiscard]] std::string symbol(InstrumentId i) const {
    if (universe_ != nullptr && i < universe_->instruments.size())
      return universe_->instruments[i].symbol;
    return "instrument " + std::to_string(i);
  }

  [[nodiscard]] std::string asset(AssetId a) const {
    if (universe_ != nullptr && a < universe_->assets.size()) return universe_->assets[a].name;
    return "asset " + std::to_string(a);
  }

  [[nodiscard]] std::string seed_words(const PortfolioState& p) const {
    char cash[48];
    std::snprintf(cash, sizeof cash, "cash %.8g", p.cash);
    std::string out = cash;
    for (std::size_t a = 0; a < p.spot_qty.size(); ++a) {
      if (p.spot_qty[a] == 0.0) continue;
      char q[48];
      std::snprintf(q, sizeof q, " %.8g", p.spot_qty[a]);
      out += ", " + asset(static_cast<AssetId>(a)) + q;
    }
    for (std::size_t i = 0; i < p.positions.size(); ++i) {
      if (p.positions[i].lots == 0) continue;
      char pos[64];
      std::snprintf(pos, sizeof pos, " %lld lots @ %.8g",
                    static_cast<long long>(p.positions[i].lots), p.positions[i].entry_price);
      out += ", " + symbol(static_cast<InstrumentId>(i)) + pos;
    }
    return out;
  }

  [[nodiscard]] std::string words(const JournalRecord& r) const {
    const JournalEvent& e = r.event;
    char line[256];
    switch (r.type) {
      case RecordType::run_start:
        std::snprintf(line, sizeof line, "config %016llx, %s",
                      static_cast<unsigned long long>(r.run.config_hash),
                      std::string(r.run.software_version_text()).c_str());
        break;
      case RecordType::order_sent:
        if (e.request == RequestKind::positions) {
          std::snprintf(line, sizeof line, "positions asked of %s's venue",
                        symbol(e.instrument).c_str());
          break;
        }
        std::snprintf(line, sizeof line, "%s %s %s %lld lots @ %lld ticks, id %llu%s (%s)",
                      to_string(e.request), to_string(e.side), symbol(e.instrument).c_str(),
                      static_cast<long long>(e.lots), static_cast<long long>(e.price_ticks),
                      static_cast<unsigned long long>(e.client_order_id),
                      e.request == RequestKind::cancel ? " (cancel)" : "", to_string(e.reason));
        break;
      case RecordType::report:
        if (e.exec == ExecKind::session_down || e.exec == ExecKind::session_up)
          std::snprintf(line, sizeof line, "%s venue %u", to_string(e.exec),
                        static_cast<unsigned>(e.venue));
        else if (e.exec == ExecKind::position)
          std::snprintf(line, sizeof line, "venue %u holds %s %lld lots, entry %.10g",
                        static_cast<unsigned>(e.venue), symbol(e.instrument).c_str(),
                        static_cast<long long>(e.cum_lots), e.amount);
        else if (e.exec == ExecKind::positions_end)
          std::snprintf(line, sizeof line, "venue %u positions answered (%lld lines)",
                        static_cast<unsigned>(e.venue), static_cast<long long>(e.cum_lots));
        else
          std::snprintf(line, sizeof line,
                        "%s id %llu %s %s last %lld @ %lld ticks, cum %lld, leaves %lld, fee %.8g"
                        "%s%s",
                        to_string(e.exec), static_cast<unsigned long long>(e.client_order_id),
                        to_string(e.side), symbol(e.instrument).c_str(),
                        static_cast<long long>(e.lots), static_cast<long long>(e.price_ticks),
                        static_cast<long long>(e.cum_lots), static_cast<long long>(e.leaves_lots),
                        e.amount, e.exec == ExecKind::status ? ", status " : "",
                        e.exec == ExecKind::status ? to_string(e.status) : "");
        break;
      case RecordType::control:
        std::snprintf(line, sizeof line, "%s -> %s", to_string(e.op), to_string(e.result));
        break;
      case RecordType::seed:
        return seed_words(r.seed);
    }
    return line;
  }

  [[nodiscard]] std::string as_json(std::uint64_t index, const JournalRecord& r) const {
    const JournalEvent& e = r.event;
    JsonWriter j;
    j.begin_object();
    j.field("index", static_cast<long long>(index));
    j.field("offset", static_cast<long long>(r.offset));
    j.field("type", journal::to_string(r.type));
    j.field("version", static_cast<long long>(r.version));
    if (r.type == RecordType::run_start) {
      j.field("wall_ns", static_cast<long long>(r.run.wall_ns));
      char hash[24];
      std::snprintf(hash, sizeof hash, "%016llx",
                    static_cast<unsigned long long>(r.run.config_hash));
      j.field("config_hash", hash);
      j.field("software", std::string(r.run.software_version_text()));
      j.end_object();
      return j.str();
    }
    if (r.type == RecordType::seed) {
      j.field("cash", r.seed.cash);
      j.key("spot").begin_object();
      for (std::size_t a = 0; a < r.seed.spot_qty.size(); ++a)
        if (r.seed.spot_qty[a] != 0.0) j.field(asset(static_cast<AssetId>(a)), r.seed.spot_qty[a]);
      j.end_object();
      j.key("positions").begin_object();
      for (std::size_t i = 0; i < r.seed.positions.size(); ++i)
        if (r.seed.positions[i].lots != 0)
          j.field(symbol(static_cast<InstrumentId>(i)),
                  static_cast<long long>(r.seed.positions[i].lots));
      j.end_object();
      j.end_object();
      return j.str();
    }
    j.field("wall_ns", static_cast<long long>(e.wall_ns));
    if (r.type == RecordType::control) {
      j.field("op", to_string(e.op));
      j.field("result", to_string(e.result));
      j.end_object();
      return j.str();
    }
    j.field("client_order_id", static_cast<long long>(e.client_order_id));
    j.field("instrument", symbol(e.instrument));
    j.field("side", to_string(e.side));
    if (r.type == RecordType::order_sent) {
      j.field("request", to_string(e.request));
      j.field("reason", to_string(e.reason));
      j.field("lots", static_cast<long long>(e.lots));
      j.field("limit_ticks", static_cast<long long>(e.price_ticks));
    } else {
      j.field("exec", to_string(e.exec));
      j.field("last_lots", static_cast<long long>(e.lots));
      j.field("last_price_ticks", static_cast<long long>(e.price_ticks));
      j.field("cum_lots", static_cast<long long>(e.cum_lots));
      j.field("leaves_lots", static_cast<long long>(e.leaves_lots));
      j.field("fee", e.amount);
      j.field("status", to_string(e.status));
      j.field("venue", static_cast<long long>(e.venue));
    }
    j.end_object();
    return j.str();
  }

  bool json_;
  const Universe* universe_;
};

std::optional<ShowOptions> parse_show(const std::vector<std::string_view>& args, int& exit_code) {
  ShowOptions o;
  for (std::size_t k = 0; k < args.size(); ++k) {
    const std::string_view a = args[k];
    const bool has_value = k + 1 < args.size();
    if (a == "--json") {
      o.json = true;
    } else if (a == "--from" && has_value) {
      const std::string_view v = args[++k];
      const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), o.from);
      if (ec != std::errc{} || p != v.data() + v.size()) {
        exit_code = bad("show: --from needs a record number, got '" + std::string(v) + "'");
        return std::nullopt;
      }
    } else if (a == "--config" && has_value) {
      o.config = std::string(args[++k]);
    } else if (!a.empty() && a[0] != '-' && o.file.empty()) {
      o.file = std::string(a);
    } else {
      exit_code = bad("show: unexpected argument '" + std::string(a) + "'");
      return std::nullopt;
    }
  }
  if (o.file.empty()) {
    exit_code = bad("show: expected a journal FILE");
    return std::nullopt;
  }
  return o;
}

void print_end(const ShowOptions& o, const JournalScan& scan) {
  if (o.json) {
    JsonWriter j;
    j.begin_object();
    j.key("end").begin_object();
    j.field("records", static_cast<long long>(scan.records));
    j.field("skipped", static_cast<long long>(scan.skipped));
    j.field("valid_bytes", static_cast<long long>(scan.valid_bytes));
    j.field("file_bytes", static_cast<long long>(scan.file_bytes));
    j.field("torn", scan.torn);
    if (scan.corrupt_offset) {
      j.field("corrupt_offset", static_cast<long long>(*scan.corrupt_offset));
      j.field("corrupt", journal::to_string(scan.corrupt_status));
    }
    j.end_object();
    j.end_object();
    std::printf("%s\n", j.str().c_str());
    return;
  }
  std::fprintf(stderr, "%s: %llu records", o.file.c_str(),
               static_cast<unsigned long long>(scan.records));
  if (scan.skipped > 0)
    std::fprintf(stderr, ", %llu of a newer kind skipped",
                 static_cast<unsigned long long>(scan.skipped));
  if (scan.torn)
    std::fprintf(stderr, "; torn last record at offset %llu (%llu bytes; the engine cuts it)",
                 static_cast<unsigned long long>(scan.valid_bytes),
                 static_cast<unsigned long long>(scan.file_bytes - scan.valid_bytes));
  if (scan.corrupt_offset)
    std::fprintf(stderr, "; CORRUPT at offset %llu (%s), %llu bytes after it unread",
                 static_cast<unsigned long long>(*scan.corrupt_offset),
                 journal::to_string(scan.corrupt_status),
                 static_cast<unsigned long long>(scan.file_bytes - *scan.corrupt_offset));
  std::fprintf(stderr, "\n");
}

int show(const std::vector<std::string_view>& args) {
  int exit_code = 0;
  const auto o = parse_show(args, exit_code);
  if (!o) return exit_code;
  std::optional<BallastFileConfig> config;
  if (o->config) {
    auto loaded = load_ballast_config(*o->config);
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
      return 2;
    }
    config = std::move(*loaded.config);
  }
  const RecordPrinter printer(o->json, config ? &config->universe : nullptr);
  std::uint64_t index = o->from;
  const JournalScan scan = journal::scan_journal(
      o->file,
      [&](const JournalRecord& r) {
        printer.print(index++, r);
        return true;
      },
      o->from);
  if (!scan.opened) {
    std::fprintf(stderr, "ballast: journal: %s\n", scan.error.c_str());
    return 2;
  }
  if (!scan.first_is_run_start) {
    std::fprintf(stderr, "ballast: journal: %s: not a Ballast journal\n", o->file.c_str());
    return 1;
  }
  print_end(*o, scan);
  return scan.corrupt_offset ? 1 : 0;
}

}  // namespace

int run_journal_command(const std::vector<std::string_view>& args) {
  if (args.empty()) return bad("expected a subcommand: show");
  const std::vector<std::string_view> rest(args.begin() + 1, args.end());
  if (args[0] == "show") return show(rest);
  return bad("unknown subcommand '" + std::string(args[0]) + "'");
}

}  // namespace ballast::tools
