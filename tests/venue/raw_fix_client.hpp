// A raw FIX 4.4 client over a loopback socket, for the venue simulator's tests: sends
// exactly the fields a test gives (well-formed or not) and reads messages as tag lists, so
// repeating groups are seen as the wire carries them (every entry's fields in order).
// Answers TestRequests with Heartbeats while reading. Single-threaded.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ballast::venue::rawfix {

using Fields = std::vector<std::pair<int, std::string>>;

// One message: `operator[]` gives the last value of a tag (as a std::map), `all(tag)`
// every value in wire order, `fields` the whole message.
struct FixMessage : std::map<int, std::string> {
  Fields fields;
  std::string& operator[](int tag) { return std::map<int, std::string>::operator[](tag); }
  std::string operator[](int tag) const {  // "" when absent
    auto it = find(tag);
    return it == end() ? std::string() : it->second;
  }
  [[nodiscard]] std::vector<std::string> all(int tag) const {
    std::vector<std::string> out;
    for (const auto& [t, v] : fields)
      if (t == tag) out.push_back(v);
    return out;
  }
  [[nodiscard]] std::string type() const {
    auto it = find(35);
    return it == end() ? std::string() : it->second;
  }
};

class RawFixClient {
 public:
  explicit RawFixClient(int port, std::string sender = "RAW") : sender_(std::move(sender)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect");
    }
    timeval tv{0, 50'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawFixClient() { ::close(fd_); }
  RawFixClient(const RawFixClient&) = delete;
  RawFixClient& operator=(const RawFixClient&) = delete;

  // Logon (141=Y resets both sides' sequence numbers, so a reconnect starts clean);
  // true when the venue answered with its Logon.
  bool logon(bool reset = true) {
    Fields f{{98, "0"}, {108, "30"}};
    if (reset) f.push_back({141, "Y"});
    send("A", f);
    return !expect("A").empty();
  }

  void send(const std::string& type, const Fields& body) {
    char ts[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::strftime(ts, sizeof ts, "%Y%m%d-%H:%M:%S.000", &tm);
    std::string b = "35=" + type + "\x01" + "49=" + sender_ + "\x01" + "56=VENUE\x01" +
                    "34=" + std::to_string(seq_++) + "\x01" + "52=" + ts + "\x01";
    for (const auto& [tag, value] : body) b += std::to_string(tag) + "=" + value + "\x01";
    std::string m =
        "8=FIX.4.4\x01"
        "9=" +
        std::to_string(b.size()) + "\x01" + b;
    unsigned sum = 0;
    for (unsigned char ch : m) sum += ch;
    char chk[8];
    std::snprintf(chk, sizeof chk, "%03u", sum % 256);
    m += std::string("10=") + chk + "\x01";
    ASSERT_EQ(::write(fd_, m.data(), m.size()), static_cast<ssize_t>(m.size()));
  }

  // The next message of `type` (others are skipped, and kept in `skipped()`); empty when
  // none came in time.
  FixMessage expect(const std::string& type,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    return expect_if([&](const FixMessage& m) { return m.type() == type; }, timeout);
  }
  FixMessage expect_if(const std::function<bool(const FixMessage&)>& want,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = next();
      if (!m) continue;
      if (want(*m)) return *m;
      skipped_.push_back(std::move(*m));
    }
    if (std::getenv("RAWFIX_DEBUG"))
      for (const auto& m : skipped_) {
        std::string line;
        for (const auto& [t, v] : m.fields) line += std::to_string(t) + "=" + v + "|";
        std::fprintf(stderr, "skipped: %s\n", line.c_str());
      }
    return {};
  }
  // The next message of any type within ~50 ms; nullopt when none (or the peer closed).
  std::optional<FixMessage> next() {
    for (;;) {
      if (auto m = parse_one()) {
        if (m->type() == "1") send("0", {{112, (*m)[112]}});  // TestRequest
        return m;
      }
      char chunk[8192];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n == 0) closed_ = true;
      if (n <= 0) return std::nullopt;
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  [[nodiscard]] bool closed() const noexcept { return closed_; }
  std::vector<FixMessage>& skipped() { return skipped_; }

 private:
  std::optional<FixMessage> parse_one() {
    const auto start = buf_.find("8=FIX");
    if (start == std::string::npos) return std::nullopt;
    const auto trailer = buf_.find(
        "\x01"
        "10=",
        start);
    const auto end = trailer == std::string::npos ? trailer : buf_.find('\x01', trailer + 1);
    if (end == std::string::npos) return std::nullopt;
    const std::string m = buf_.substr(start, end + 1 - start);
    buf_.erase(0, end + 1);
    FixMessage out;
    std::size_t pos = 0;
    while (pos < m.size()) {
      const auto eq = m.find('=', pos);
      const auto soh = m.find('\x01', eq);
      const int tag = std::stoi(m.substr(pos, eq - pos));
      std::string value = m.substr(eq + 1, soh - eq - 1);
      out[tag] = value;
      out.fields.emplace_back(tag, std::move(value));
      pos = soh + 1;
    }
    return out;
  }

  std::string sender_;
  int fd_ = -1;
  int seq_ = 1;
  bool closed_ = false;
  std::string buf_;
  std::vector<FixMessage> skipped_;
};

// A MarketDataRequest body: top of book, incremental, bid/offer/mark/index, `symbols`.
inline Fields md_request(const std::string& id, char subscription,
                         const std::vector<std::string>& symbols) {
  Fields f{{262, id},  {263, std::string(1, subscription)},
           {264, "1"}, {265, "1"},
           {267, "4"}, {269, "0"},
           {269, "1"}, {269, "6"},
           {269, "3"}, {146, std::to_string(symbols.size())}};
  for (const auto& s : symbols) f.push_back({55, s});
  return f;
}

inline Fields new_order(const std::string& id, const std::string& symbol, const std::string& side,
                        const std::string& qty, const std::string& ord_type,
                        const std::string& price, const std::string& tif) {
  Fields f{{11, id}};
  if (!symbol.empty()) f.push_back({55, symbol});
  if (!side.empty()) f.push_back({54, side});
  f.push_back({60, "20260101-00:00:00"});
  if (!qty.empty()) f.push_back({38, qty});
  if (!ord_type.empty()) f.push_back({40, ord_type});
  if (!price.empty()) f.push_back({44, price});
  if (!tif.empty()) f.push_back({59, tif});
  return f;
}

inline Fields status_request(const std::string& cl_ord_id, const std::string& symbol,
                             const std::string& side, const std::string& req_id) {
  return {{11, cl_ord_id}, {55, symbol}, {54, side}, {790, req_id}};
}

}  // namespace ballast::venue::rawfix
