#include "ballast/control/control_server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <vector>

#include "ballast/control/audit_log.hpp"
#include "ballast/control/control_listener.hpp"
#include "ballast/control/reload_diff.hpp"
#include "ballast/control/request_parser.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/core/json_writer.hpp"

namespace ballast::control {
namespace {

using Clock = std::chrono::steady_clock;

struct Client {
  std::uint64_t id = 0;
  int fd = -1;
  uid_t uid = 0;
  pid_t pid = 0;
  std::string in;
  std::size_t in_pos = 0;  // in[0, in_pos) is handled; erased in bulk, not per line
  std::string out;
  std::size_t out_sent = 0;
  bool close_after_flush = false;
  bool dead = false;
  bool subscribed = false;
  std::uint64_t malformed = 0;  // lines that were not a request
  std::chrono::milliseconds interval{kDefaultSubscribeIntervalMs};
  Clock::time_point next_due{};
  std::uint64_t last_alert_seq = 0;

  [[nodiscard]] std::size_t backlog() const { return out.size() - out_sent; }
  [[nodiscard]] std::size_t unread() const { return in.size() - in_pos; }
};

// A client's input is read only while less than this waits to be handled (the socket
// buffer holds the rest: backpressure), and each poll round handles at most
// kInputBytesPerRound of each client's lines, so one client's flood costs another's
// kill a bounded, sub-millisecond wait; the work is linear in the bytes received.
constexpr std::size_t kMaxUnreadInput = 256 * 1024;
constexpr std::size_t kInputBytesPerRound = 64 * 1024;

// A command sent to the engine thread and not answered yet.
struct Pending {
  std::uint64_t client = 0;
  uid_t uid = 0;  // who asked, for the audit line of a late or unanswered command
  pid_t pid = 0;
  std::uint64_t seq = 0;
  Clock::time_point deadline{};
  ControlRequest request;
  AssetId asset = kNoAsset;
  std::optional<BallastConfig> reloaded;  // reload: the re-read config
  ConfigReloadDiff diff;
};

void begin_reply(JsonWriter& j, const std::string& id_json, std::string_view cmd, bool ok) {
  j.begin_object();
  j.field("v", 1LL);
  j.field("type", "reply");
  if (!id_json.empty()) j.key("id").raw_value(id_json);
  if (!cmd.empty()) j.field("cmd", cmd);
  j.field("ok", ok);
}

std::string error_line(const std::string& id_json, std::string_view cmd, std::string_view error) {
  JsonWriter j;
  begin_reply(j, id_json, cmd, false);
  j.field("error", error);
  j.end_object();
  return j.str();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out += "; ";
    out += s;
  }
  return out;
}

void write_strings(JsonWriter& j, std::string_view key, const std::vector<std::string>& v) {
  j.key(key).begin_array();
  for (const std::string& s : v) j.value(s);
  j.end_array();
}

}  // namespace

struct ControlServer::Impl {
  Impl(ControlServer& server, ControlPort& control_port, BallastConfig config,
       ControlServerOptions server_options)
      : owner(server),
        port(control_port),
        live(std::move(config)),
        options(std::move(server_options)) {
    if (!options.load_config)
      options.load_config = [](const std::string& path) {
        ControlConfig control;
        ConfigSchema schema;
        add_control_table(schema, control);
        return load_config_file(path, ConfigParseOptions{}, schema);
      };
  }

  ControlServer& owner;
  ControlPort& port;
  mutable std::mutex live_mutex;  // live is read by live_config() from other threads
  BallastConfig live;
  ControlServerOptions options;
  std::optional<ControlListener> listener;
  std::optional<AuditLog> audit;
  int wake_fd = -1;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::vector<std::unique_ptr<Client>> clients;
  std::uint64_t next_client_id = 1;
  std::uint64_t next_seq = 0;
  std::optional<Pending> pending;
  std::vector<Pending> abandoned;  // gave up waiting; a late reply is matched here
  ControlRequestParser parser;

  // ---- I/O

  Client* find(std::uint64_t id) {
    for (auto& c : clients)
      if (c->id == id && !c->dead) return c.get();
    return nullptr;
  }

  void send_line(Client& c, std::string line) {
    if (c.dead) return;
    line += '\n';
    if (c.out_sent > 0 && c.out_sent == c.out.size()) {
      c.out.clear();
      c.out_sent = 0;
    }
    c.out += line;
    flush(c);
    if (!c.dead && c.backlog() > options.max_output_backlog) {
      c.dead = true;  // a reader that fell this far behind would only fall further
      owner.dropped_.fetch_add(1);
    }
  }

  void flush(Client& c) {
    while (!c.dead && c.backlog() > 0) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.out_sent, c.backlog(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.out_sent += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else {
        c.dead = true;
      }
    }
    if (c.backlog() == 0) {
      c.out.clear();
      c.out_sent = 0;
      if (c.close_after_flush) c.dead = true;
    } else if (c.out_sent > (1u << 16)) {  // keep the buffer from growing at the front
      c.out.erase(0, c.out_sent);
      c.out_sent = 0;
    }
  }

  void accept_clients() {
    while (true) {
      const int fd = ::accept4(listener->fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or a peer gone before we got to it
      const auto cred = peer_credentials(fd);
      std::string refusal;
      if (!cred)
        refusal = "cannot identify the peer (SO_PEERCRED failed)";
      else if (cred->uid != options.allowed_uid)
        refusal = "peer uid " + std::to_string(cred->uid) + " is not the engine's owner (uid " +
                  std::to_string(options.allowed_uid) + ")";
      else if (clients.size() >= options.max_clients)
        refusal = "too many control clients (at most " + std::to_string(options.max_clients) + ")";
      if (!refusal.empty()) {
        audit_line(AuditEntry{cred ? cred->uid : static_cast<uid_t>(-1), cred ? cred->pid : 0,
                              "connect", "{}", false, refusal});
        const std::string line = error_line("", "", refusal) + "\n";
        [[maybe_unused]] const ssize_t n =
            ::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(fd);
        continue;
      }
      auto c = std::make_unique<Client>();
      c->id = next_client_id++;
      c->fd = fd;
      c->uid = cred->uid;
      c->pid = cred->pid;
      clients.push_back(std::move(c));
    }
  }

  void read_client(Client& c) {
    char buf[16384];
    while (!c.dead && c.unread() < kMaxUnreadInput) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        const std::size_t old_size = c.in.size();
        c.in.append(buf, static_cast<std::size_t>(n));
        // Only the unterminated tail can be over-long; complete lines are checked as
        // parsed. Scan the new bytes only (linear), back to the last newline.
        const std::size_t last_nl = c.in.rfind('\n');
        const std::size_t line_start =
            last_nl == std::string::npos || last_nl < c.in_pos ? c.in_pos : last_nl + 1;
        (void)old_size;
        if (c.in.size() - line_start > kMaxRequestLine) {
          reject_long_line(c);
          return;
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      c.dead = true;  // EOF or error
    }
  }

  void reject_long_line(Client& c) {
    c.in.clear();
    c.in_pos = 0;
    audit_entry(c, "malformed", "{}", false, "request line longer than 65536 bytes; closed");
    send_line(c, error_line("", "", "request line longer than 65536 bytes; closing"));
    c.close_after_flush = true;
    flush(c);
  }

  // ---- Requests

  // Handles complete lines of every client, round robin, while no command is in flight:
  // at most kInputBytesPerRound of each client per call. True when lines are left over.
  bool process_input() {
    bool more = false;
    for (std::size_t k = 0; k < clients.size() && !pending; ++k) {
      Client& c = *clients[k];
      const std::size_t budget_end = c.in_pos + kInputBytesPerRound;
      while (!c.dead && !c.close_after_flush && !pending) {
        if (c.in_pos >= budget_end) {
          more = true;
          break;
        }
        const std::size_t nl = c.in.find('\n', c.in_pos);
        if (nl == std::string::npos) break;
        std::string_view line(c.in.data() + c.in_pos, nl - c.in_pos);
        c.in_pos = nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > kMaxRequestLine) {
          reject_long_line(c);
          break;
        }
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank
        try {
          handle_line(c, std::string(line));
        } catch (const std::exception& e) {  // bad_alloc on a hostile reload, say: refuse it
          send_line(c, error_line("", "", std::string("internal error: ") + e.what()));
          audit_entry(c, "error", "{}", false, std::string("internal error: ") + e.what());
        }
      }
      // Drop what was handled in one move once it is a good part of the buffer.
      if (c.in_pos > 0 && (c.in_pos == c.in.size() || c.in_pos >= kInputBytesPerRound)) {
        c.in.erase(0, c.in_pos);
        c.in_pos = 0;
      }
      if (!c.dead && c.in.find('\n', c.in_pos) != std::string::npos) more = more || !pending;
    }
    return more;
  }

  void audit_entry(const Client& c, std::string_view cmd, std::string_view args, bool ok,
                   std::string_view result) {
    audit_line(AuditEntry{c.uid, c.pid, cmd, args, ok, result});
  }

  // Every audit line goes through here: a line that cannot be written is counted, told
  // to stderr and streamed to subscribers as an alert (the command has happened anyway).
  void audit_line(const AuditEntry& e) {
    if (!audit || audit->append(e)) return;
    const std::uint64_t n = owner.audit_failures_.fetch_add(1) + 1;
    if (n == 1 || n % 1000 == 0)
      std::fprintf(stderr, "ballast: control audit log %s: write failed (%llu line(s) lost)\n",
                   options.audit_log_path.c_str(), static_cast<unsigned long long>(n));
    JsonWriter j;
    j.begin_object();
    j.field("v", 1LL);
    j.field("type", "alert");
    j.field("kind", "audit_write_failed");
    j.field("lost", static_cast<long long>(n));
    j.field("cmd", e.cmd);
    j.end_object();
    const std::string line = j.str();
    for (auto& c : clients)
      if (c->subscribed && !c->dead) send_line(*c, line);
  }

  void refuse(Client& c, const std::string& id, std::string_view cmd, std::string_view args,
              std::string_view error) {
    send_line(c, error_line(id, cmd, error));
    audit_entry(c, cmd, args, false, error);
  }

  void handle_line(Client& c, const std::string& line) {
    ControlParseResult p = parser.parse(line);
    if (!p.request) {
      send_line(c, error_line(p.id_json, p.cmd_name, p.error));
      if (p.well_formed)
        audit_entry(c, p.cmd_name, p.args_json, false, p.error);
      else if (++c.malformed <= 10 || c.malformed % 1000 == 0)
        // The line may be anything: its size is recorded, never its bytes; a flood of
        // them is recorded as its first ten lines and then a count every thousand.
        audit_entry(c, "malformed", "{}", false,
                    p.error + " (" + std::to_string(line.size()) + " bytes; " +
                        std::to_string(c.malformed) + " malformed from this client)");
      return;
    }
    const ControlRequest& r = *p.request;
    const std::string_view cmd = to_string(r.cmd);
    if (is_query(r.cmd)) {
      answer_query(c, r);
      return;
    }
    if (r.cmd == ControlCmd::subscribe) {
      JsonWriter j;
      begin_reply(j, r.id_json, cmd, true);
      j.field("interval_ms", static_cast<long long>(r.interval_ms));
      j.end_object();
      send_line(c, j.str());
      c.subscribed = true;
      c.interval = std::chrono::milliseconds(r.interval_ms);
      c.next_due = Clock::now();  // the first snapshot right away
      audit_entry(c, cmd, r.args_json, true, "subscribed");
      return;
    }
    ControlCommand command;
    Pending next;
    next.client = c.id;
    next.uid = c.uid;
    next.pid = c.pid;
    next.request = r;
    switch (r.cmd) {
      case ControlCmd::pause:
        command.op = ControlOp::pause;
        break;
      case ControlCmd::resume:
        command.op = ControlOp::resume;
        break;
      case ControlCmd::kill:
        command.op = ControlOp::kill;
        break;
      case ControlCmd::reduce_only:
        command.op = ControlOp::reduce_only;
        break;
      case ControlCmd::flatten:
        command.op = ControlOp::flatten;
        break;
      case ControlCmd::set_target: {
        const AssetId a = live.universe.find_asset(r.asset);
        if (a == kNoAsset) {
          refuse(c, r.id_json, cmd, r.args_json, "unknown asset \"" + r.asset + "\"");
          return;
        }
        command.op = ControlOp::set_target;
        command.asset = a;
        command.weight = r.weight;
        command.has_band = r.band.has_value();
        command.band = r.band.value_or(0.0);
        next.asset = a;
        break;
      }
      case ControlCmd::reload: {
        ConfigLoadResult loaded = options.load_config(live.source_path);
        if (!loaded.ok()) {
          std::vector<std::string> errors;
          for (const ConfigError& e : loaded.errors) errors.push_back(e.to_string());
          JsonWriter j;
          begin_reply(j, r.id_json, cmd, false);
          j.field("error", "the config file has errors; nothing applied");
          write_strings(j, "errors", errors);
          j.end_object();
          send_line(c, j.str());
          audit_entry(c, cmd, r.args_json, false,
                      std::to_string(errors.size()) + " config error(s): " + errors.front());
          return;
        }
        next.diff = diff_for_reload(live, *loaded.config);
        if (next.diff.can_apply() && !next.diff.loosened.empty() && !r.confirm) {
          // Loosening a limit is a decision, not a side effect of editing a file.
          JsonWriter j;
          begin_reply(j, r.id_json, cmd, false);
          j.field("error", "the reload loosens " + std::to_string(next.diff.loosened.size()) +
                               " risk limit(s); nothing applied: confirm with reload --confirm "
                               "(args.confirm = true)");
          write_strings(j, "loosened", next.diff.loosened);
          j.end_object();
          send_line(c, j.str());
          audit_entry(c, cmd, r.args_json, false,
                      "refused, loosens without confirmation: " + join(next.diff.loosened));
          return;
        }
        if (!next.diff.can_apply() || next.diff.applied.empty()) {
          finish_reload(c, next, nullptr);  // nothing for the engine to do
          return;
        }
        command.op = ControlOp::apply_reload;
        command.targets = loaded.config->targets;
        command.policy = loaded.config->policy;
        command.limits = loaded.config->risk;
        next.reloaded = std::move(loaded.config);
        break;
      }
      default:
        refuse(c, r.id_json, cmd, r.args_json, "not a command");
        return;
    }
    command.seq = ++next_seq;
    next.seq = command.seq;
    // The engine refuses the command after reply_timeout; we wait twice that for its
    // answer, so "did not answer" is only said of a command that can no longer apply.
    command.deadline_ns =
        monotonic_ns() +
        std::chrono::duration_cast<std::chrono::nanoseconds>(options.reply_timeout).count();
    if (!port.commands.try_push(command)) {
      refuse(c, r.id_json, cmd, r.args_json, "engine command queue full; try again");
      return;
    }
    next.deadline = Clock::now() + 2 * options.reply_timeout;
    pending = std::move(next);
  }

  LatencyNumbers latency() const { return options.latency ? options.latency() : LatencyNumbers{}; }

  void answer_query(Client& c, const ControlRequest& r) {
    const std::string_view cmd = to_string(r.cmd);
    EngineSnapshot s;
    if (r.cmd != ControlCmd::latency && !port.snapshot.load(s)) {
      refuse(c, r.id_json, cmd, r.args_json, "no snapshot yet: the engine has not published one");
      return;
    }
    JsonWriter j;
    begin_reply(j, r.id_json, cmd, true);
    switch (r.cmd) {
      case ControlCmd::status:
        write_status_fields(j, s, live.universe, options.venue_problem);
        break;
      case ControlCmd::positions:
        write_positions_fields(j, s, live.universe);
        break;
      case ControlCmd::orders:
        write_orders_fields(j, s, live.universe);
        break;
      case ControlCmd::risk:
        write_risk_fields(j, s, live.universe);
        break;
      default:
        write_latency_fields(j, latency());
        break;
    }
    j.end_object();
    send_line(c, j.str());
    audit_entry(c, cmd, r.args_json, true, "answered");
  }

  // Matches the engine's reply to the command in flight, or times it out.
  void poll_reply() {
    if (!pending) return;
    ControlReply reply;
    while (port.replies.try_pop(reply)) {
      if (reply.seq != pending->seq) {
        late_reply(reply);
        continue;
      }
      Pending done = std::move(*pending);
      pending.reset();
      if (Client* c = find(done.client))
        complete(*c, done, reply);
      else
        apply_to_live(done, reply);  // the client left; the engine applied it anyway
      return;
    }
    if (Clock::now() >= pending->deadline) {
      Pending done = std::move(*pending);
      pending.reset();
      const std::string_view cmd = to_string(done.request.cmd);
      if (Client* c = find(done.client))
        refuse(*c, done.request.id_json, cmd, done.request.args_json,
               "engine did not answer; the command expires unapplied");
      else
        audit_line(AuditEntry{done.uid, done.pid, cmd, done.request.args_json, false,
                              "engine did not answer; the command expires unapplied"});
      abandoned.push_back(std::move(done));
      if (abandoned.size() > 16) abandoned.erase(abandoned.begin());
    }
  }

  // An answer to a command we gave up on. The engine refuses commands past their
  // deadline, so this is an "expired" refusal; should one have applied after all (the
  // engine stalled between popping it and answering), the live config follows the
  // engine and the audit log says so.
  void late_reply(const ControlReply& reply) {
    for (auto it = abandoned.begin(); it != abandoned.end(); ++it) {
      if (it->seq != reply.seq) continue;
      if (reply.result == ControlResult::ok) {
        apply_to_live(*it, reply);
        audit_line(AuditEntry{it->uid, it->pid, to_string(it->request.cmd), it->request.args_json,
                              true, "applied late, after the client was told it did not answer"});
      }
      abandoned.erase(it);
      return;
    }
  }

  void apply_to_live(const Pending& p, const ControlReply& reply) {
    if (reply.result != ControlResult::ok) return;
    std::lock_guard<std::mutex> lock(live_mutex);
    if (p.request.cmd == ControlCmd::set_target && p.asset < kMaxAssets) {
      TargetSpec& t = live.targets[p.asset];
      t.configured = true;
      t.weight = p.request.weight;
      if (p.request.band) t.band = *p.request.band;
    } else if (p.request.cmd == ControlCmd::reload && p.reloaded) {
      // Only what went live: restart-only sections stay as the engine runs them.
      live.targets = p.reloaded->targets;
      live.policy = p.reloaded->policy;
      live.risk = p.reloaded->risk;
    }
  }

  void finish_reload(Client& c, const Pending& p, const ControlReply* reply) {
    JsonWriter j;
    begin_reply(j, p.request.id_json, "reload", true);
    write_strings(j, "applied", p.diff.applied);
    write_strings(j, "loosened", p.diff.loosened);
    write_strings(j, "restart_needed", p.diff.restart_needed);
    if (reply) j.field("weight_sum", reply->weight_sum);
    j.end_object();
    send_line(c, j.str());
    std::string summary = std::to_string(p.diff.applied.size()) + " applied, " +
                          std::to_string(p.diff.restart_needed.size()) + " need a restart";
    if (!p.diff.applied.empty()) summary += ": " + join(p.diff.applied);
    if (!p.diff.loosened.empty()) summary += "; loosened (confirmed): " + join(p.diff.loosened);
    audit_entry(c, "reload", p.request.args_json, true, summary);
  }

  void complete(Client& c, const Pending& p, const ControlReply& reply) {
    const ControlRequest& r = p.request;
    const std::string_view cmd = to_string(r.cmd);
    if (reply.result != ControlResult::ok) {
      refuse(c, r.id_json, cmd, r.args_json, to_string(reply.result));
      return;
    }
    apply_to_live(p, reply);
    if (r.cmd == ControlCmd::reload) {
      finish_reload(c, p, &reply);
      return;
    }
    JsonWriter j;
    begin_reply(j, r.id_json, cmd, true);
    std::string summary = std::string("state ") + to_string(reply.mode);
    switch (r.cmd) {
      case ControlCmd::pause:
      case ControlCmd::resume:
        j.field("state", to_string(reply.mode));
        j.field("paused", reply.paused);
        summary += reply.paused ? ", paused" : ", not paused";
        break;
      case ControlCmd::kill:
        j.field("state", to_string(reply.mode));
        j.field("orders_cancelled", static_cast<long long>(reply.orders_cancelled));
        summary += ", " + std::to_string(reply.orders_cancelled) + " cancel(s) sent";
        break;
      case ControlCmd::reduce_only:
        j.field("state", to_string(reply.mode));
        break;
      case ControlCmd::flatten:
        j.field("state", to_string(reply.mode));
        j.field("flattening", reply.flattening);
        break;
      case ControlCmd::set_target: {
        double band = 0.0;
        {
          std::lock_guard<std::mutex> lock(live_mutex);
          band = live.targets[p.asset].band;
        }
        j.field("asset", r.asset);
        j.field("weight", r.weight);
        j.field("band", band);
        j.field("weight_sum", reply.weight_sum);
        summary = r.asset + " weight " + JsonWriter().value(r.weight).str() + ", sum " +
                  JsonWriter().value(reply.weight_sum).str();
        break;
      }
      default:
        break;
    }
    j.end_object();
    send_line(c, j.str());
    audit_entry(c, cmd, r.args_json, true, summary);
  }

  // ---- Subscriptions

  void stream_due(Clock::time_point now) {
    bool loaded = false, have = false;
    EngineSnapshot s;
    for (auto& cp : clients) {
      Client& c = *cp;
      if (!c.subscribed || c.dead || now < c.next_due) continue;
      c.next_due = now + c.interval;
      if (!loaded) {
        have = port.snapshot.load(s);
        loaded = true;
      }
      if (!have) continue;
      JsonWriter j;
      j.begin_object();
      j.field("v", 1LL);
      j.field("type", "snapshot");
      write_status_fields(j, s, live.universe, options.venue_problem);
      write_positions_fields(j, s, live.universe);
      write_orders_fields(j, s, live.universe);
      write_risk_fields(j, s, live.universe);
      write_latency_fields(j, latency());
      j.end_object();
      send_line(c, j.str());
      // The ring holds the newest kSnapshotAlerts; older unsent ones are gone.
      const std::uint64_t total = s.alert_total;
      std::uint64_t first = std::max<std::uint64_t>(c.last_alert_seq + 1, 1);
      if (total > kSnapshotAlerts)
        first = std::max<std::uint64_t>(first, total - kSnapshotAlerts + 1);
      for (std::uint64_t seq = first; seq <= total && !c.dead; ++seq) {
        const AlertRecord& a = s.alerts[(seq - 1) % kSnapshotAlerts];
        if (a.seq != seq) continue;  // not what the ring holds for that slot
        JsonWriter aj;
        aj.begin_object();
        aj.field("v", 1LL);
        aj.field("type", "alert");
        write_alert_fields(aj, a, live.universe);
        aj.end_object();
        send_line(c, aj.str());
      }
      c.last_alert_seq = std::max(c.last_alert_seq, total);
    }
  }

  int poll_timeout_ms(Clock::time_point now) const {
    if (pending) return 1;  // the engine answers within microseconds when idle
    auto wait = std::chrono::milliseconds(100);
    for (const auto& c : clients)
      if (c->subscribed && !c->dead)
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::max(c->next_due - now, Clock::duration::zero())));
    return static_cast<int>(wait.count());
  }

  void run() {
    std::vector<pollfd> fds;
    bool more_input = false;
    while (!stopping.load()) {
      fds.clear();
      fds.push_back(pollfd{wake_fd, POLLIN, 0});
      fds.push_back(pollfd{listener->fd(), POLLIN, 0});
      for (const auto& c : clients) {
        short events = 0;
        if (!c->close_after_flush && c->unread() < kMaxUnreadInput) events |= POLLIN;
        if (c->backlog() > 0) events |= POLLOUT;
        fds.push_back(pollfd{c->fd, events, 0});
      }
      const int ready =
          ::poll(fds.data(), fds.size(), more_input ? 0 : poll_timeout_ms(Clock::now()));
      if (ready < 0 && errno != EINTR) break;
      if (fds[0].revents & POLLIN) {
        std::uint64_t v = 0;
        [[maybe_unused]] const ssize_t n = ::read(wake_fd, &v, sizeof v);
      }
      // Clients first: the ones accepted below were not in this poll.
      const std::size_t polled = fds.size() - 2;
      for (std::size_t k = 0; k < polled && k < clients.size(); ++k) {
        Client& c = *clients[k];
        const short re = fds[k + 2].revents;
        if (re & POLLIN) read_client(c);
        if (re & POLLOUT) flush(c);
        if ((re & (POLLERR | POLLNVAL)) || ((re & POLLHUP) && !(re & POLLIN))) c.dead = true;
      }
      if (fds[1].revents & POLLIN) accept_clients();
      poll_reply();
      more_input = process_input();
      stream_due(Clock::now());
      for (auto& c : clients)
        if (c->dead) ::close(c->fd);
      clients.erase(std::remove_if(clients.begin(), clients.end(),
                                   [](const std::unique_ptr<Client>& c) { return c->dead; }),
                    clients.end());
      owner.clients_.store(clients.size());
    }
  }
};

ControlServer::ControlServer(ControlPort& port, BallastConfig config, ControlServerOptions options)
    : impl_(std::make_unique<Impl>(*this, port, std::move(config), std::move(options))) {}

ControlServerOptions ControlServer::options_for(const ControlConfig& control) {
  ControlServerOptions o;
  o.socket_path = control.socket;
  o.audit_log_path = control.audit_log;
  return o;
}

ControlServer::~ControlServer() {
  stop();
}

std::optional<std::string> ControlServer::start() {
  Impl& m = *impl_;
  if (m.thread.joinable()) return std::string("control server already started");
  std::string error;
  m.listener = ControlListener::open(m.options.socket_path, error);
  if (!m.listener) return error;
  if (!m.options.audit_log_path.empty()) {
    m.audit = AuditLog::open(m.options.audit_log_path, error);
    if (!m.audit) {
      m.listener.reset();
      return error;
    }
  }
  m.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (m.wake_fd < 0) {
    m.listener.reset();
    return std::string("control server: eventfd failed");
  }
  m.stopping.store(false);
  m.thread = std::thread([&m] { m.run(); });
  return std::nullopt;
}

void ControlServer::stop() {
  Impl& m = *impl_;
  if (m.thread.joinable()) {
    m.stopping.store(true);
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(m.wake_fd, &one, sizeof one);
    m.thread.join();
  }
  for (auto& c : m.clients) ::close(c->fd);
  m.clients.clear();
  clients_.store(0);
  m.listener.reset();  // closes and unlinks
  if (m.wake_fd >= 0) ::close(m.wake_fd);
  m.wake_fd = -1;
}

BallastConfig ControlServer::live_config() const {
  std::lock_guard<std::mutex> lock(impl_->live_mutex);
  return impl_->live;
}

}  // namespace ballast::control
