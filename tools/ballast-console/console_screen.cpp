#include "console_screen.hpp"

#include <curses.h>
#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>

#include "console_format.hpp"
#include "request_builder.hpp"

namespace ballast::console {
namespace {

constexpr auto kRetryPeriod = std::chrono::seconds(1);
constexpr auto kCommandTimeout = std::chrono::milliseconds(3000);
// Redraw at least this often even without snapshots (the clock of "disconnected").
constexpr auto kIdleRedraw = std::chrono::milliseconds(250);
constexpr std::size_t kAlertsKept = 64;
constexpr const char* kSubscribe = "{\"v\":1,\"cmd\":\"subscribe\",\"args\":{\"interval_ms\":200}}";

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}

enum ColorPair : short { kTitle = 1, kTitleAlarm, kAlarm, kStatus };

// ncurses on for the screen's lifetime; the terminal is restored on every way out.
class CursesSession {
 public:
  CursesSession() {
    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);  // getch never blocks: poll() waits for keys and snapshots
    set_escdelay(25);
    curs_set(0);
    if (has_colors()) {
      start_color();
      use_default_colors();
      init_pair(kTitle, COLOR_WHITE, COLOR_BLUE);
      init_pair(kTitleAlarm, COLOR_WHITE, COLOR_RED);
      init_pair(kAlarm, COLOR_RED, -1);
      init_pair(kStatus, COLOR_YELLOW, -1);
    }
  }
  ~CursesSession() { endwin(); }
  CursesSession(const CursesSession&) = delete;
  CursesSession& operator=(const CursesSession&) = delete;
};

chtype style_attr(LineStyle s) {
  const bool color = has_colors();
  switch (s) {
    case LineStyle::title:
      return A_BOLD | (color ? COLOR_PAIR(kTitle) : A_REVERSE);
    case LineStyle::title_alarm:
      return A_BOLD | (color ? COLOR_PAIR(kTitleAlarm) : A_REVERSE);
    case LineStyle::heading:
      return A_BOLD;
    case LineStyle::alarm:
      return color ? COLOR_PAIR(kAlarm) : A_BOLD;
    case LineStyle::status:
      return color ? COLOR_PAIR(kStatus) : A_NORMAL;
    case LineStyle::keys:
      return A_REVERSE;
    case LineStyle::normal:
      break;
  }
  return A_NORMAL;
}

// One line out of a multi-line reply rendering, for the status line.
std::string one_line(const std::string& text) {
  std::string out;
  for (const char c : text) out += c == '\n' ? std::string("  ") : std::string(1, c);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Local wall-clock time of an alert's arrival: the engine stamps its monotonic clock only.
std::string clock_text() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

}  // namespace

ConsoleScreen::ConsoleScreen(std::string socket_path) : socket_path_(std::move(socket_path)) {}

void ConsoleScreen::try_connect() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_connect_) return;
  next_connect_ = now + kRetryPeriod;
  if (!subscription_.connect(socket_path_) || !subscription_.send_line(kSubscribe)) {
    model_.connected = false;
    model_.connection_note = subscription_.error();
    subscription_.close();
    dirty_ = true;
    return;
  }
  model_.connected = true;
  model_.connection_note.clear();
  model_.view = EngineView{};  // nothing stale from an engine that went away
  dirty_ = true;
}

void ConsoleScreen::drain_subscription() {
  std::string line;
  for (;;) {
    const auto status = subscription_.read_line(line, std::chrono::milliseconds(0));
    if (status == ControlClient::ReadStatus::timeout) return;
    if (status == ControlClient::ReadStatus::closed) {
      model_.connected = false;
      model_.connection_note = subscription_.error();
      next_connect_ = std::chrono::steady_clock::now() + kRetryPeriod;
      dirty_ = true;
      return;
    }
    const MessageInfo info = inspect_message(line);
    if (info.type == "snapshot") {
      apply_snapshot(line, model_.view);
    } else if (info.type == "alert") {
      const std::string text = describe_alert(line);
      if (text == last_alert_ && !model_.alerts.empty()) {
        model_.alerts.back() =
            clock_text() + " " + text + " (x" + std::to_string(++last_alert_repeats_) + ")";
      } else {
        last_alert_ = text;
        last_alert_repeats_ = 1;
        model_.alerts.push_back(clock_text() + " " + text);
      }
      while (model_.alerts.size() > kAlertsKept) model_.alerts.pop_front();
    } else if (is_reply(info) && !info.ok) {
      model_.status = "subscribe refused: " + info.error;
    }
    dirty_ = true;
  }
}

void ConsoleScreen::send_command(const std::vector<std::string>& words) {
  const BuiltRequest req = build_request(words);
  if (!req.ok()) {
    model_.status = req.error;
    return;
  }
  if (req.cmd == "subscribe") {
    model_.status = "subscribe: the screen is subscribed already";
    return;
  }
  // Its own connection: the subscription's stream keeps flowing, and a command never
  // waits behind snapshots.
  ControlClient client;
  std::string reply;
  if (!client.connect(socket_path_) || !client.request(req.line, reply, kCommandTimeout)) {
    model_.status = req.cmd + ": " + client.error();
    return;
  }
  const MessageInfo info = inspect_message(reply);
  if (!info.ok && req.cmd == "reload" && info.error.rfind("the reload loosens", 0) == 0) {
    // Loosening a limit is the operator's decision: show what and ask, then confirm.
    const std::string text = one_line(render_reply_text(reply));
    const std::size_t at = text.find("loosened");
    loosened_ = at == std::string::npos ? info.error : text.substr(at);
    mode_ = Mode::confirm_loosen;
    set_prompt_text();
    return;
  }
  if (!info.ok) {
    model_.status = req.cmd + " refused: " + info.error;
    return;
  }
  std::string text = one_line(render_reply_text(reply));
  // "cmd: pause  ok: true  state: ..." -> "pause: ok  state: ...": what changed, first.
  const std::string head = "cmd: " + req.cmd + "  ok: true";
  if (text.rfind(head, 0) == 0) text = req.cmd + ": ok" + text.substr(head.size());
  model_.status = text;
}

void ConsoleScreen::set_prompt_text() {
  switch (mode_) {
    case Mode::confirm_kill:
      model_.prompt = "kill: cancel every open order and HALT the engine? [y/N]";
      break;
    case Mode::confirm_flatten:
      model_.prompt = "flatten: close every futures position? [y/N]";
      break;
    case Mode::confirm_loosen:
      model_.prompt = "reload " + loosened_ + ": apply? [y/N]";
      break;
    case Mode::prompt_target:
      model_.prompt = "set target (ASSET WEIGHT [BAND], Esc cancels): " + input_ + "_";
      break;
    case Mode::prompt_command:
      model_.prompt = ":" + input_ + "_";
      break;
    default:
      model_.prompt.clear();
  }
}

void ConsoleScreen::handle_prompt_key(int key) {
  if (key == 27) {  // Esc
    mode_ = Mode::normal;
    model_.status = "cancelled";
  } else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
    std::vector<std::string> words = split_words(input_);
    const bool target = mode_ == Mode::prompt_target;
    mode_ = Mode::normal;
    set_prompt_text();
    if (words.empty()) {
      model_.status = "cancelled";
    } else {
      if (target) words.insert(words.begin(), "set-target");
      send_command(words);
    }
  } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
    if (!input_.empty()) input_.pop_back();
  } else if (key >= 32 && key < 127 && input_.size() < 200) {
    input_ += static_cast<char>(key);
  }
}

void ConsoleScreen::handle_key(int key) {
  dirty_ = true;
  if (key == KEY_RESIZE) return;
  switch (mode_) {
    case Mode::help:
      mode_ = Mode::normal;
      return;
    case Mode::confirm_kill:
    case Mode::confirm_flatten: {
      const char* cmd = mode_ == Mode::confirm_kill ? "kill" : "flatten";
      mode_ = Mode::normal;
      set_prompt_text();
      if (key == 'y' || key == 'Y') {
        send_command({cmd});
      } else {
        model_.status = std::string(cmd) + " cancelled";
      }
      return;
    }
    case Mode::confirm_loosen:
      mode_ = Mode::normal;
      set_prompt_text();
      if (key == 'y' || key == 'Y')
        send_command({"reload", "--confirm"});
      else
        model_.status = "reload cancelled: nothing applied";
      return;
    case Mode::prompt_target:
    case Mode::prompt_command:
      handle_prompt_key(key);
      set_prompt_text();
      return;
    case Mode::normal:
      break;
  }
  switch (key) {
    case 'q':
    case 'Q':
      quit_ = true;
      break;
    case 'p':
      send_command({"pause"});
      break;
    case 'r':
      send_command({"resume"});
      break;
    case 'k':
      mode_ = Mode::confirm_kill;
      break;
    case 'f':
      mode_ = Mode::confirm_flatten;
      break;
    case 't':
      mode_ = Mode::prompt_target;
      input_.clear();
      break;
    case ':':
      mode_ = Mode::prompt_command;
      input_.clear();
      break;
    case '?':
    case 'h':
      mode_ = Mode::help;
      break;
    default:
      break;
  }
  set_prompt_text();
}

void ConsoleScreen::draw() {
  int height = 0, width = 0;
  getmaxyx(stdscr, height, width);
  // erase() + one doupdate() per frame: curses sends only the cells that changed, so
  // the 5 Hz redraw never blanks the terminal (clear() would repaint it all).
  erase();
  const std::vector<ScreenLine> lines = layout_screen(model_, width, height);
  for (int row = 0; row < static_cast<int>(lines.size()) && row < height; ++row) {
    const ScreenLine& line = lines[static_cast<std::size_t>(row)];
    const chtype attr = style_attr(line.style);
    attron(attr);
    // The last cell of the last row would scroll the screen: stop one short there.
    const int room = row == height - 1 ? width - 1 : width;
    mvaddnstr(row, 0, line.text.c_str(), room);
    if (line.style == LineStyle::title || line.style == LineStyle::title_alarm ||
        line.style == LineStyle::keys) {
      for (int x = static_cast<int>(line.text.size()); x < room; ++x) mvaddch(row, x, ' ');
    }
    attroff(attr);
  }
  if (mode_ == Mode::help) {
    const auto& help = help_lines();
    int box_w = 0;
    for (const auto& l : help) box_w = std::max(box_w, static_cast<int>(l.size()));
    box_w = std::min(box_w + 4, width);
    const int box_h = std::min(static_cast<int>(help.size()) + 2, height);
    const int top = std::max((height - box_h) / 2, 0);
    const int left = std::max((width - box_w) / 2, 0);
    for (int r = 0; r < box_h; ++r) {
      std::string row;
      if (r == 0 || r == box_h - 1) {
        row = "+" + std::string(static_cast<std::size_t>(std::max(box_w - 2, 0)), '-') + "+";
      } else {
        row = "| " + fit(help[static_cast<std::size_t>(r - 1)], box_w - 4) + " |";
      }
      attron(r == 1 ? A_BOLD : A_NORMAL);
      mvaddnstr(top + r, left, row.c_str(), box_w);
      attroff(A_BOLD);
    }
  }
  wnoutrefresh(stdscr);
  doupdate();
}

int ConsoleScreen::run() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  CursesSession curses;
  model_.status = "? for help";
  auto last_draw = std::chrono::steady_clock::now() - kIdleRedraw;
  while (!quit_ && !g_stop.load()) {
    if (!subscription_.connected()) {
      if (model_.connected) {
        model_.connected = false;
        dirty_ = true;
      }
      try_connect();
    }
    pollfd fds[2] = {{0, POLLIN, 0}, {subscription_.fd(), POLLIN, 0}};
    const nfds_t count = subscription_.connected() ? 2 : 1;
    const int r = ::poll(fds, count, 50);
    if (r < 0 && errno != EINTR) break;
    if (subscription_.connected()) drain_subscription();
    for (int key = getch(); key != ERR && !quit_; key = getch()) handle_key(key);
    const auto now = std::chrono::steady_clock::now();
    if (dirty_ || now - last_draw >= kIdleRedraw) {
      draw();
      dirty_ = false;
      last_draw = now;
    }
  }
  return 0;
}

}  // namespace ballast::console
