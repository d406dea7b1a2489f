// The live operator screen (ncurses): subscribes to the engine's snapshots, redraws on
// each without flicker, and turns keys into control commands (pause, resume, kill,
// flatten, set-target, any command at the `:` prompt). Reconnects every second when the
// engine goes away.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "control_client.hpp"
#include "engine_view.hpp"

namespace ballast::console {

class ConsoleScreen {
 public:
  explicit ConsoleScreen(std::string socket_path);
  // Runs until `q` (or SIGINT/SIGTERM/SIGHUP); returns the exit code.
  int run();

 private:
  enum class Mode {
    normal,
    confirm_kill,
    confirm_flatten,
    confirm_loosen,  // a reload that loosens a risk limit: y/N, then reload --confirm
    prompt_target,
    prompt_command,
    help
  };

  void try_connect();
  void drain_subscription();
  void handle_key(int key);
  void handle_prompt_key(int key);
  void send_command(const std::vector<std::string>& words);
  void set_prompt_text();
  void draw();

  std::string socket_path_;
  ControlClient subscription_;
  ScreenModel model_;
  Mode mode_ = Mode::normal;
  std::string input_;     // what has been typed at a prompt
  std::string loosened_;  // confirm_loosen: the limits the reload would loosen, one line
  // A burst of the same alert (a risk check denying every tick) is one line with a count.
  std::string last_alert_;
  int last_alert_repeats_ = 0;
  bool quit_ = false;
  bool dirty_ = true;
  std::chrono::steady_clock::time_point next_connect_{};
};

}  // namespace ballast::console
