// `ballast-console`: the operator's terminal client of `ballast run`'s control socket
// (docs/control-protocol.md).
//
//   ballast-console --config FILE                 live screen; the socket is [control] socket
//   ballast-console --socket PATH                 live screen on that socket
//   ballast-console --socket PATH --once status   one command, its reply as text; exit 0 ok,
//                                                 1 refused / unreachable, 2 bad usage
//   ballast-console --config FILE --once set-target BTC 0.4 0.05 --json   the raw reply line
//
// Screen keys: p pause, r resume, k kill (y/N), f flatten (y/N), t set target
// ("ASSET WEIGHT [BAND]"), : any command ("reduce-only", "reload", ...), ? help, q quit.
// The socket must be a socket owned by you, and so must the process serving it
// (SO_PEERCRED); otherwise the console refuses (exit 1).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/control/control_config.hpp"
#include "ballast/core/config.hpp"
#include "ballast/core/guarded_main.hpp"
#include "console_format.hpp"
#include "console_screen.hpp"
#include "control_client.hpp"
#include "request_builder.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;
constexpr auto kOnceTimeout = std::chrono::milliseconds(5000);

constexpr const char* kUsage =
    "usage: ballast-console (--config FILE | --socket PATH) [--once CMD [ARGS...] [--json]]\n"
    "       ballast-console --help\n"
    "\n"
    "  --config FILE  the engine's config: connect to its [control] socket\n"
    "  --socket PATH  connect to this control socket\n"
    "  --once CMD     send one command and print the reply (exit 0 ok, 1 refused or\n"
    "                 unreachable): status, positions, orders, risk, latency, pause,\n"
    "                 resume, kill, reduce-only, flatten, reload,\n"
    "                 set-target ASSET WEIGHT [BAND]; extra key=value words become args\n"
    "  --json         with --once: print the raw reply line\n"
    "\n"
    "Without --once: the live screen. Keys: p pause, r resume, k kill (y/N), f flatten\n"
    "(y/N), t set target, : any command, ? help, q quit.\n";

int bad_argument(const std::string& message) {
  std::fprintf(stderr, "ballast-console: %s (see ballast-console --help)\n", message.c_str());
  return kExitBadInput;
}

int failure(const std::string& message) {
  std::fprintf(stderr, "ballast-console: %s\n", message.c_str());
  return kExitFailure;
}

int run_once(const std::string& socket, const std::vector<std::string>& words, bool json) {
  const ballast::console::BuiltRequest req = ballast::console::build_request(words);
  if (!req.ok()) return bad_argument(req.error);
  if (req.cmd == "subscribe")
    return bad_argument("subscribe streams until closed; it is not allowed with --once");
  ballast::console::ControlClient client;
  std::string reply;
  if (!client.connect(socket)) return failure(client.error());
  if (!client.request(req.line, reply, kOnceTimeout))
    return failure(req.cmd + ": " + client.error());
  const std::string text = json ? reply + "\n" : ballast::console::render_reply_text(reply);
  std::fwrite(text.data(), 1, text.size(), stdout);
  const ballast::console::MessageInfo info = ballast::console::inspect_message(reply);
  return info.parsed && info.ok ? kExitOk : kExitFailure;
}

}  // namespace

static int run_main(int argc, char** argv) {
  std::optional<std::string> config_path, socket_path;
  std::optional<std::vector<std::string>> once;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (a == "--json") {
      json = true;
    } else if (a == "--config" || a == "--socket") {
      if (i + 1 >= argc) return bad_argument(std::string(a) + " needs a value");
      if (config_path || socket_path)
        return bad_argument("give one of --config FILE or --socket PATH, once");
      (a == "--config" ? config_path : socket_path) = std::string(argv[++i]);
    } else if (a == "--once") {
      if (once) return bad_argument("--once given twice");
      once.emplace();
      // Everything after --once is the command and its words (--json excepted).
      for (++i; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--json") {
          json = true;
        } else {
          once->emplace_back(argv[i]);
        }
      }
      if (once->empty()) return bad_argument("--once needs a command");
    } else {
      return bad_argument("unknown argument '" + std::string(a) + "'");
    }
  }
  if (!config_path && !socket_path)
    return bad_argument("--config FILE or --socket PATH is required");
  if (json && !once) return bad_argument("--json applies to --once only");

  std::string socket;
  if (socket_path) {
    if (socket_path->empty()) return bad_argument("--socket needs a non-empty path");
    socket = *socket_path;
  } else {
    // Core's tables and [control]; the engine's other tables are `ballast check-config`'s.
    ballast::ControlConfig control;
    ballast::ConfigSchema schema;
    ballast::add_control_table(schema, control);
    schema.tolerate_other_tables();
    const auto result = ballast::load_config_file(*config_path, {}, schema);
    if (!result.ok()) {
      for (const auto& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
      return kExitBadInput;
    }
    if (!control.present || control.socket.empty())
      return bad_argument(*config_path + " has no [control] socket");
    socket = control.socket;
  }

  if (once) return run_once(socket, *once, json);

  // A socket that is there but not ours is refused now; a missing one is waited for (the
  // engine may not be up yet: the screen shows "disconnected" and retries).
  struct stat st {};
  if (::lstat(socket.c_str(), &st) == 0) {
    if (const std::string why = ballast::console::check_socket_path(socket); !why.empty())
      return failure(why);
  }
  if (!::isatty(0) || !::isatty(1))
    return bad_argument("the live screen needs a terminal (use --once CMD for scripts)");
  ballast::console::ConsoleScreen screen(socket);
  return screen.run();
}

int main(int argc, char** argv) {
  return ballast::run_guarded_main("ballast-console", run_main, argc, argv);
}
