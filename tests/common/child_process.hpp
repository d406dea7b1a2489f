// A real child process for integration tests: started with fork/exec, its stdin a pipe the
// test writes commands to, its stdout and stderr captured in files the test can read while
// it runs; stopped with a signal and reaped with a deadline (never left behind).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"

namespace ballast::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class ChildProcess {
 public:
  // `out_prefix`.out / .err receive the child's stdout / stderr.
  ChildProcess(const std::vector<std::string>& argv, const std::string& out_prefix)
      : out_path_(out_prefix + ".out"), err_path_(out_prefix + ".err") {
    int in[2];
    if (::pipe(in) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::close(in[0]);
      ::close(in[1]);
      const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      ::dup2(err, 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(in[0]);
    stdin_ = in[1];
  }
  ~ChildProcess() {
    if (stdin_ >= 0) ::close(stdin_);
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait(std::chrono::milliseconds(5000));
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] bool running() {
    if (pid_ <= 0 || exited_) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) record(status);
    return !exited_;
  }
  // Writes one line to the child's stdin.
  bool send_line(const std::string& line) {
    const std::string text = line + "\n";
    return stdin_ >= 0 &&
           ::write(stdin_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }
  void signal(int sig) {
    if (running()) ::kill(pid_, sig);
  }
  // Waits for the exit; returns the exit code (128 + signal when killed), -1 on timeout.
  int wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
    wait_for([this] { return !running(); }, timeout, std::chrono::milliseconds(5));
    return exited_ ? code_ : -1;
  }
  [[nodiscard]] std::string out() const { return read_file(out_path_); }
  [[nodiscard]] std::string err() const { return read_file(err_path_); }
  // Polls stdout (or stderr) until it contains `text`.
  bool wait_for_output(const std::string& text,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(20000),
                       bool in_stderr = false) {
    return wait_for([&] { return (in_stderr ? err() : out()).find(text) != std::string::npos; },
                    timeout, std::chrono::milliseconds(20));
  }

 private:
  void record(int status) {
    exited_ = true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string out_path_, err_path_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

}  // namespace ballast::testing
