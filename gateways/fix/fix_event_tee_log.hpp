// The QuickFIX log the session always installs (C++14, inside the QuickFIX island): every
// line goes on to the file log when FileLogPath is set, and socket errors go to the
// gateway as words (SessionEvents::on_socket_error).
#pragma once

#include <quickfix/Log.h>

#include <string>

#include "fix_session.hpp"

namespace ballast {
namespace gateways {
namespace fix {

// QuickFIX says why a connection failed only in its log ("Connecting to 127.0.0.1 on port
// 9878 ...", then "Socket Error: Connection reset by peer." for a refused connect): this
// log passes every line on to the file log when there is one, and tells the gateway the
// address and the error, so a FIX venue that is down says why like every other.
class EventTeeLog : public FIX::Log {
 public:
  EventTeeLog(FIX::Log* inner, SessionEvents& events) : inner_(inner), events_(events) {}
  FIX::Log* inner() const { return inner_; }

  void clear() override {
    if (inner_) inner_->clear();
  }
  void backup() override {
    if (inner_) inner_->backup();
  }
  void onIncoming(const std::string& s) override {
    if (inner_) inner_->onIncoming(s);
  }
  void onOutgoing(const std::string& s) override {
    if (inner_) inner_->onOutgoing(s);
  }
  void onEvent(const std::string& s) override {
    if (inner_) inner_->onEvent(s);
    static const std::string kConnecting = "Connecting to ";
    static const std::string kSocketError = "Socket Error: ";
    if (s.compare(0, kConnecting.size(), kConnecting) == 0) {
      where_ = s.substr(kConnecting.size());
      const std::size_t source = where_.find(" (Source");
      if (source != std::string::npos) where_.erase(source);
    } else if (s.compare(0, kSocketError.size(), kSocketError) == 0) {
      // A refused connect shows here too: the non-blocking connect fails on the first send.
      std::string error = s.substr(kSocketError.size());
      if (!error.empty() && error[error.size() - 1] == '.') error.erase(error.size() - 1);
      tell(error);
    } else if (s == "Connection failed") {
      tell("connection failed");
    }
  }

 private:
  void tell(const std::string& error) {
    try {
      events_.on_socket_error(where_, error);
    } catch (...) {  // a log line never stops the session
    }
  }

  FIX::Log* inner_;
  SessionEvents& events_;
  std::string where_;  // QuickFIX's initiator thread only
};

class EventTeeLogFactory : public FIX::LogFactory {
 public:
  EventTeeLogFactory(FIX::LogFactory* inner, SessionEvents& events)
      : inner_(inner), events_(events) {}
  FIX::Log* create() override {
    return new EventTeeLog(inner_ ? inner_->create() : nullptr, events_);
  }
  FIX::Log* create(const FIX::SessionID& id) override {
    return new EventTeeLog(inner_ ? inner_->create(id) : nullptr, events_);
  }
  void destroy(FIX::Log* log) override {
    EventTeeLog* tee = static_cast<EventTeeLog*>(log);
    if (inner_ && tee->inner()) inner_->destroy(tee->inner());
    delete tee;
  }

 private:
  FIX::LogFactory* inner_;
  SessionEvents& events_;
};

}  // namespace fix
}  // namespace gateways
}  // namespace ballast
