// `ballast_bench_ws_tick_to_order`: tick-to-order through the real engine over loopback
// WebSocket, wire to wire. A "venue" (Boost.Beast, synchronous, its own threads) on
// 127.0.0.1 accepts the engine's market-data socket (BinanceMarketDataFeed), its WebSocket
// API socket and user-data socket (BinanceOrderGateway). A tick is a bookTicker moving the
// book, then a markPriceUpdate moving mark and index (the spot price of a perp-only book:
// the engine values with them, so a bookTicker alone never breaches the band) by 2%
// against a 0.2% band: every tick makes exactly one order. The venue stamps the TSC just
// before writing the markPriceUpdate and again when the order.place frame has been read
// off the API socket; tick-to-order = arrival - write. One tick in flight at a time:
// the next goes out once the order for the previous one arrived (and was filled on the
// user-data stream) or after a timeout. Four configurations in one run, side by side:
// {plain, TLS} x {busy_poll, blocking} (BinanceConnectionOptions::idle of both gateways).
// Also printed: the pipeline's own tick-to-order (socket read -> bytes handed to the
// kernel) and its per-stage breakdown, as `ballast run` reports them.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ballast/binance/credentials.hpp"
#include "ballast/core/agent.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/core/config.hpp"
#include "ballast/core/guarded_main.hpp"
#include "ballast/core/latency_histogram.hpp"
#include "ballast/core/pipeline.hpp"
#include "ballast/gateways/binance_market_data_feed.hpp"
#include "ballast/gateways/binance_order_gateway.hpp"
#include "ballast/risk/risk_gate.hpp"
#include "test_certs.hpp"

namespace ballast::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// bench/tick_to_order.cpp's book: one BTC perpetual hedging 1 BTC of spot against 50%
// cash, band 0.2%, and no throttle: a price alternating by 2% breaches the band on every
// tick, so every tick leads to one order.
constexpr const char* kHedgeBook = R"(
[engine]
base_currency = "USDT"
[[instrument]]
symbol = "BTCUSDT-PERP"
kind = "perpetual"
base = "BTC"
contract_size = 0.001
lot_size = 1
tick_size = 0.1
taker_fee_bps = 5.0
funding_interval_s = 28800
leverage = 5
margin_brackets = [ { max_notional = 250000, mmr = 0.004, maint_amount = 0 } ]
[[target]]
asset = "BTC"
weight = 0.5
band = 0.002
hedge_with = ["BTCUSDT-PERP"]
[policy]
min_order_notional = 10.0
max_cost_bps = 50.0
[risk]
collateral = { BTC = 0.95 }
max_leverage = 3.0
min_liquidation_distance = 0.25
max_margin_utilization = 0.5
max_asset_weight = 1.0
max_order_notional = 1000000.0
price_collar_bps = 100.0
max_orders_per_second = 10000
max_orders_per_minute = 600000
max_md_staleness_ms = 60000
[portfolio]
cash = 70000.0
spot = [ { asset = "BTC", qty = 1.0 } ]
)";

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t wall_offset_ns() {
  timespec real{};
  clock_gettime(CLOCK_REALTIME, &real);
  return static_cast<std::int64_t>(real.tv_sec) * 1'000'000'000 + real.tv_nsec - monotonic_ns();
}

// The value of "key": in a flat JSON text, quoted or bare ("" when absent). Good enough
// for the engine's own requests, which this server reads.
std::string_view json_value(std::string_view msg, std::string_view key) {
  std::string pat;
  pat.reserve(key.size() + 3);
  pat += '"';
  pat += key;
  pat += "\":";
  const std::size_t at = msg.find(pat);
  if (at == std::string_view::npos) return {};
  std::size_t b = at + pat.size();
  if (b < msg.size() && msg[b] == '"') {
    const std::size_t e = msg.find('"', b + 1);
    return e == std::string_view::npos ? std::string_view{} : msg.substr(b + 1, e - b - 1);
  }
  std::size_t e = b;
  while (e < msg.size() && msg[e] != ',' && msg[e] != '}') ++e;
  return msg.substr(b, e - b);
}

// One accepted WebSocket, plain or TLS, behind one interface (a virtual call is nothing
// next to a syscall). Only one thread uses a given connection.
class Conn {
 public:
  virtual ~Conn() = default;
  virtual void write(std::string_view text) = 0;
  virtual bool read(beast::flat_buffer& buf) = 0;  // false: closed or failed
  virtual int fd() = 0;
};

template <typename Ws>
class ConnOf final : public Conn {
 public:
  explicit ConnOf(std::unique_ptr<Ws> ws) : ws_(std::move(ws)) { ws_->text(true); }
  void write(std::string_view text) override {
    beast::error_code ec;
    ws_->write(asio::buffer(text.data(), text.size()), ec);
  }
  bool read(beast::flat_buffer& buf) override {
    beast::error_code ec;
    ws_->read(buf, ec);
    return !ec;
  }
  int fd() override { return beast::get_lowest_layer(*ws_).native_handle(); }

 private:
  std::unique_ptr<Ws> ws_;
};

// The venue side: accepts the three sockets, answers userDataStream.start, records when
// each order.place arrives and fills it on the user-data stream.
class BenchVenue {
 public:
  // venue_cpu >= 0: the venue's threads run there (the engine gets the other core).
  BenchVenue(bool tls, const testing::TestCerts* certs, int venue_cpu)
      : tls_(tls),
        cpu_(venue_cpu),
        ssl_ctx_(asio::ssl::context::tls_server),
        acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    if (tls_) {
      ssl_ctx_.use_certificate_chain_file(certs->server.cert);
      ssl_ctx_.use_private_key_file(certs->server.key, asio::ssl::context::pem);
    }
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~BenchVenue() { close(); }
  BenchVenue(const BenchVenue&) = delete;
  BenchVenue& operator=(const BenchVenue&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] bool ready() const { return market_.load() != nullptr && user_.load() != nullptr; }

  // Tick k at `price`; false when the market socket is gone.
  struct Result {
    bool ordered = false;
    std::uint64_t write_tsc = 0, arrive_tsc = 0;
  };
  Result send_tick_and_wait(std::uint64_t k, double price, std::chrono::milliseconds timeout) {
    Conn* market = market_.load();
    Result r;
    if (market == nullptr) return r;
    const std::int64_t ms = wall_ms();
    // The book moves first (untimed: with mark and index unchanged it cannot breach the
    // band), then the mark and index: that message is the tick that makes the order.
    char book[512];
    const int nb = std::snprintf(
        book, sizeof book,
        R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":%llu,"E":%lld,"T":%lld,)"
        R"("s":"BTCUSDT","b":"%.1f","B":"10.000","a":"%.1f","A":"10.000"}})",
        static_cast<unsigned long long>(k + 1), static_cast<long long>(ms),
        static_cast<long long>(ms), price - 0.1, price + 0.1);
    char msg[512];
    const int n = std::snprintf(
        msg, sizeof msg,
        R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":%lld,)"
        R"("s":"BTCUSDT","p":"%.2f","i":"%.2f","P":"%.2f","r":"0.00010000","T":%lld}})",
        static_cast<long long>(ms), price, price, price,
        static_cast<long long>(ms - ms % 28'800'000 + 28'800'000));
    market->write(std::string_view(book, static_cast<std::size_t>(nb)));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      arrived_ = false;
      waiting_ = true;
    }
    r.write_tsc = TscClock::now();
    market->write(std::string_view(msg, static_cast<std::size_t>(n)));
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, timeout, [this] { return arrived_; });
    waiting_ = false;
    if (arrived_) {
      r.ordered = true;
      r.arrive_tsc = arrive_tsc_;
    }
    return r;
  }

  [[nodiscard]] std::uint64_t orders() const { return orders_.load(); }
  [[nodiscard]] std::uint64_t stray_orders() const { return stray_.load(); }

  // Drops every connection (TCP shutdown: the engine sees them go at once) and stops.
  void close() {
    if (closed_.exchange(true)) return;
    stop_ = true;
    {
      std::lock_guard<std::mutex> lock(conns_mutex_);
      for (auto& c : conns_) ::shutdown(c->fd(), SHUT_RDWR);
    }
    // Wakes the blocking accept.
    beast::error_code ec;
    tcp::socket s(ioc_);
    s.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    accept_thread_.join();
    for (auto& t : readers_) t.join();
    s.close(ec);
  }

 private:
  template <typename Stream>
  std::unique_ptr<Conn> upgrade(std::unique_ptr<websocket::stream<Stream>> ws,
                                std::string& target) {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    http::read(ws->next_layer(), buf, req);
    target = std::string(req.target());
    ws->read_message_max(1 << 20);
    ws->accept(req);
    return std::make_unique<ConnOf<websocket::stream<Stream>>>(std::move(ws));
  }

  void accept_loop() {
    if (cpu_ >= 0) pin_current_thread(cpu_);
    while (!stop_) {
      beast::error_code ec;
      tcp::socket sock(ioc_);
      acceptor_.accept(sock, ec);
      if (ec || stop_) break;
      sock.set_option(tcp::no_delay(true), ec);
      std::string target;
      std::unique_ptr<Conn> conn;
      try {
        if (tls_) {
          auto ws = std::make_unique<websocket::stream<beast::ssl_stream<tcp::socket>>>(
              std::move(sock), ssl_ctx_);
          ws->next_layer().handshake(asio::ssl::stream_base::server);
          conn = upgrade(std::move(ws), target);
        } else {
          conn = upgrade(std::make_unique<websocket::stream<tcp::socket>>(std::move(sock)), target);
        }
      } catch (const std::exception&) {
        continue;
      }
      Conn* c = conn.get();
      {
        std::lock_guard<std::mutex> lock(conns_mutex_);
        conns_.push_back(std::move(conn));
      }
      if (target.rfind("/stream", 0) == 0) {
        market_.store(c);
      } else if (target == "/ws-fapi/v1") {
        readers_.emplace_back([this, c] { api_loop(*c); });
      } else if (target.rfind("/ws/", 0) == 0) {
        user_.store(c);
      }
    }
  }

  void api_loop(Conn& api) {
    if (cpu_ >= 0) pin_current_thread(cpu_);
    beast::flat_buffer buf;
    std::string fill;
    std::uint64_t trade = 0;
    while (!stop_) {
      buf.clear();
      if (!api.read(buf)) return;
      const std::uint64_t t = TscClock::now();
      const auto data = buf.data();
      const std::string_view msg(static_cast<const char*>(data.data()), data.size());
      const std::string_view method = json_value(msg, "method");
      if (method == "order.place") {
        ++orders_;
        {  // the account's net position, for account.position (in 1e-8 contracts)
          const double q = std::strtod(std::string(json_value(msg, "quantity")).c_str(), nullptr);
          const auto units = static_cast<std::int64_t>(std::llround(q * 1e8));
          net_units_ += json_value(msg, "side") == "BUY" ? units : -units;
        }
        // The fill first, then the news: the engine sees its position move before the
        // next tick can be written.
        if (Conn* user = user_.load()) {
          const std::string_view qty = json_value(msg, "quantity");
          const std::string_view price = json_value(msg, "price");
          const std::int64_t ms = wall_ms();
          fill.clear();
          fill += R"({"e":"ORDER_TRADE_UPDATE","E":)" + std::to_string(ms) + R"(,"T":)" +
                  std::to_string(ms) + R"(,"o":{"s":"BTCUSDT","c":")";
          fill += json_value(msg, "newClientOrderId");
          fill += R"(","S":")";
          fill += json_value(msg, "side");
          fill += R"(","o":"LIMIT","f":"IOC","q":")";
          fill += qty;
          fill += R"(","p":")";
          fill += price;
          fill += R"(","ap":")";
          fill += price;
          fill +=
              R"(","sp":"0","x":"TRADE","X":"FILLED","i":)" + std::to_string(++trade) + R"(,"l":")";
          fill += qty;
          fill += R"(","z":")";
          fill += qty;
          fill += R"(","L":")";
          fill += price;
          fill += R"(","N":"USDT","n":"0","T":)" + std::to_string(ms) + R"(,"t":)" +
                  std::to_string(trade) +
                  R"(,"b":"0","a":"0","m":false,"R":false,"wt":"CONTRACT_PRICE","ot":"LIMIT",)"
                  R"("ps":"BOTH","cp":false,"rp":"0","pP":false,"si":0,"ss":0,"V":"NONE",)"
                  R"("pm":"NONE","gtd":0}})";
          user->write(fill);
        }
        std::lock_guard<std::mutex> lock(mutex_);
        if (waiting_ && !arrived_) {
          arrived_ = true;
          arrive_tsc_ = t;
          cv_.notify_one();
        } else {
          ++stray_;
        }
      } else if (method == "account.position") {
        // What the account holds: the engine trades only once it has heard it.
        char amount[48];
        const std::int64_t mag = net_units_ < 0 ? -net_units_ : net_units_;
        std::snprintf(amount, sizeof amount, "%s%lld.%08lld", net_units_ < 0 ? "-" : "",
                      static_cast<long long>(mag / 100000000),
                      static_cast<long long>(mag % 100000000));
        std::string reply =
            R"({"id":")" + std::string(json_value(msg, "id")) + R"(","status":200,"result":[)";
        if (net_units_ != 0)
          reply += R"({"symbol":"BTCUSDT","positionAmt":")" + std::string(amount) +
                   R"(","entryPrice":"0"})";
        reply += "]}";
        api.write(reply);
      } else if (method == "userDataStream.start") {
        const std::string reply = R"({"id":")" + std::string(json_value(msg, "id")) +
                                  R"(","status":200,"result":{"listenKey":"benchListenKey0"}})";
        api.write(reply);
      }
      // Anything else (order.status after a reconnect, pings) needs no answer here.
    }
  }

  bool tls_;
  int cpu_;
  asio::io_context ioc_;
  asio::ssl::context ssl_ctx_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> closed_{false};
  std::int64_t net_units_ = 0;  // the api thread's: position in 1e-8 contracts
  std::mutex conns_mutex_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<std::thread> readers_;  // accept thread only, joined after it
  std::atomic<Conn*> market_{nullptr};
  std::atomic<Conn*> user_{nullptr};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool waiting_ = false;
  bool arrived_ = false;
  std::uint64_t arrive_tsc_ = 0;
  std::atomic<std::uint64_t> orders_{0};
  std::atomic<std::uint64_t> stray_{0};
  std::thread accept_thread_;
};

struct Options {
  std::uint64_t ticks = 5000;
  std::uint64_t warmup = 200;
  int threads = 1;   // 1: md+engine+orders on one thread; 2: md+engine | orders
  bool pin = false;  // --pin: venue threads on the first usable CPU, the engine's on the others
  std::chrono::milliseconds timeout{50};
  std::int64_t blocking_wait_ns = 200'000;  // BinanceConnectionOptions' default
};

struct ConfigResult {
  std::string name;
  std::unique_ptr<LatencyHistogram> wire = std::make_unique<LatencyHistogram>();
  PipelineLatency pipeline;
  std::uint64_t ticks_sent = 0;
  std::uint64_t missed = 0;     // measured ticks with no order within the timeout
  std::uint64_t unsettled = 0;  // ticks the engine had not settled within the timeout
  std::uint64_t engine_ticks = 0, engine_orders = 0, risk_rejects = 0, stray = 0;
  double seconds = 0;
  std::vector<std::string> threads;
  std::string error;
};

std::unique_ptr<ConfigResult> run_config(const BallastConfig& config, const Options& o, bool tls,
                                         net::IdleMode idle, const testing::TestCerts& certs) {
  auto r = std::make_unique<ConfigResult>();
  r->name = std::string(tls ? "tls" : "plain") + " " + net::to_string(idle);
  const std::vector<int> cpus = usable_cpus();
  const bool pin = o.pin && cpus.size() >= 2;
  const int venue_cpu = pin ? cpus[0] : -1;
  const int engine_cpu = pin ? cpus[1] : -1;
  const int orders_cpu = pin ? cpus[cpus.size() > 2 ? 2 : 1] : -1;
  BenchVenue venue(tls, &certs, venue_cpu);
  // This thread writes the ticks: it is the venue's too.
  if (pin) pin_current_thread(venue_cpu);

  gateways::BinanceConnectionOptions conn;
  conn.host = "127.0.0.1";
  conn.port = venue.port();
  conn.tls = tls;
  conn.ca_file = tls ? certs.ca_cert : "";
  conn.idle = idle;
  conn.blocking_wait_ns = o.blocking_wait_ns;
  gateways::BinanceMarketDataOptions md_opts;
  md_opts.connection = conn;
  md_opts.depth = false;  // bookTicker only: no snapshots to serve
  gateways::BinanceOrderGatewayOptions og_opts;
  og_opts.connection = conn;
  og_opts.credentials = binance::ApiCredentials{"bench-key", binance::ApiSecret("bench-secret")};

  auto feed = std::make_unique<gateways::BinanceMarketDataFeed>(config.universe, md_opts);
  auto gateway =
      std::make_unique<gateways::BinanceOrderGateway>(config.universe, std::move(og_opts));

  ClientOrderIdGenerator ids(static_cast<std::uint64_t>(wall_ms()), std::nullopt);
  risk::RiskGate gate(config.universe, config.risk, config.policy, config.margin_balance);
  auto core = std::make_unique<EngineCore>(config, gate, ids, wall_offset_ns());
  core->set_venue_up(VenueId{0}, false);  // up on the gateway's session_up
  auto pipeline =
      std::make_unique<Pipeline<>>(*core, *feed, *gateway, config.universe.instrument_count());
  // Backoff idling: the venue's threads share the two cores with the engine.
  std::vector<ThreadSpec> layout;
  if (o.threads == 1)
    layout = {ThreadSpec{"engine",
                         {AgentKind::market_data, AgentKind::engine, AgentKind::orders},
                         engine_cpu,
                         IdleKind::backoff}};
  else
    layout = {
        ThreadSpec{
            "hot", {AgentKind::market_data, AgentKind::engine}, engine_cpu, IdleKind::backoff},
        ThreadSpec{"orders", {AgentKind::orders}, orders_cpu, IdleKind::backoff}};
  pipeline->start(layout);
  feed->start();
  gateway->start();

  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  while (!(venue.ready() && feed->connected() && gateway->session_up()) && elapsed() < 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!(venue.ready() && feed->connected() && gateway->session_up())) {
    r->error = std::string("not connected after 10 s (venue sockets ") +
               (venue.ready() ? "up" : "missing") + ", feed " +
               (feed->connected() ? "up" : "down") + ", order session " +
               (gateway->session_up() ? "up" : "down") + ")";
  } else {
    const auto t1 = std::chrono::steady_clock::now();
    const std::uint64_t total = o.warmup + o.ticks;
    for (std::uint64_t k = 0; k < total; ++k) {
      const double price = k % 2 == 0 ? 70000.0 : 71400.0;
      const std::uint64_t published = pipeline->md().ticks_published();
      const auto res = venue.send_tick_and_wait(k, price, o.timeout);
      ++r->ticks_sent;
      // Paced like bench/tick_to_order.cpp: the next tick only once the engine has
      // settled this one (its fill applied), else it would find the order still open and
      // skip the tick. Yields first (the fill is usually microseconds behind the order).
      const auto deadline = std::chrono::steady_clock::now() + o.timeout;
      for (int spin = 0;; ++spin) {
        const std::uint64_t now_published = pipeline->md().ticks_published();
        if (now_published > published && pipeline->engine().settled_ticks() == now_published) break;
        if (std::chrono::steady_clock::now() > deadline) {
          ++r->unsettled;
          break;
        }
        if (spin < 2000)
          std::this_thread::yield();
        else
          std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
      if (k < o.warmup) continue;
      if (res.ordered)
        r->wire->record(
            static_cast<std::uint64_t>(TscClock::delta_ns(res.write_tsc, res.arrive_tsc)));
      else
        ++r->missed;
    }
    r->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  }

  pipeline->stop_reading();
  for (int i = 0; i < 200 && !pipeline->drained(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  pipeline->stop();
  r->pipeline = pipeline->orders().latency();
  r->engine_ticks = core->stats().ticks;
  r->engine_orders = core->stats().orders;
  r->risk_rejects = core->stats().risk_rejects;
  r->stray = venue.stray_orders();
  r->threads = pipeline->describe_threads();
  venue.close();
  feed->shutdown(200'000'000);
  gateway->shutdown(200'000'000);
  if (pin) allow_current_thread(cpus);
  return r;
}

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

void print_hist_row(const char* prefix, const std::string& name, const LatencyHistogram& h,
                    const char* extra) {
  std::printf("%s %-16s %8llu %9llu %9llu %9llu %9llu %10llu%s\n", prefix, name.c_str(),
              ull(h.count()), ull(h.percentile(50)), ull(h.percentile(90)), ull(h.percentile(99)),
              ull(h.percentile(99.9)), ull(h.max()), extra);
}

int run(const Options& o) {
  TscClock::calibrate();
  auto parsed = parse_config(kHedgeBook, "hedge-book");
  if (!parsed.ok()) {
    for (const auto& e : parsed.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  // Every check runs on every order, but an order per tick for millions of ticks is past
  // any desk's throttle and daily budgets: those are opened beyond the config's ranges.
  BallastConfig config = *parsed.config;
  config.risk.max_orders_per_second = 1e9;
  config.risk.max_orders_per_minute = 6e10;
  config.risk.max_daily_fees_bps = 1e12;
  config.risk.max_daily_turnover = 1e12;
  config.risk.max_consecutive_rejects = std::numeric_limits<std::int64_t>::max();
  const testing::TestCerts& certs = testing::test_certs();
  const unsigned cores = std::thread::hardware_concurrency();
  std::printf(
      "ballast_bench_ws_tick_to_order  (clock: %s, %.4f ns/tick; %u cores shared by the venue's\n"
      "threads and the engine: absolute numbers are pessimistic)\n"
      "engine: BinanceMarketDataFeed + BinanceOrderGateway on 127.0.0.1, pipeline on %d "
      "thread(s),\n"
      "backoff idle; %llu ticks per configuration after %llu warm-up, one in flight, "
      "timeout %lld ms;\nblocking = io_uring wait of at most %lld us per poll\n",
      TscClock::uses_tsc() ? "invariant TSC" : "CLOCK_MONOTONIC", TscClock::ns_per_tick(), cores,
      o.threads, ull(o.ticks), ull(o.warmup), static_cast<long long>(o.timeout.count()),
      static_cast<long long>(o.blocking_wait_ns / 1000));
  std::fflush(stdout);

  std::vector<std::unique_ptr<ConfigResult>> results;
  for (const bool tls : {false, true})
    for (const net::IdleMode idle : {net::IdleMode::busy_poll, net::IdleMode::blocking}) {
      try {
        results.push_back(run_config(config, o, tls, idle, certs));
      } catch (const std::exception& e) {
        auto r = std::make_unique<ConfigResult>();
        r->name = std::string(tls ? "tls" : "plain") + " " + net::to_string(idle);
        r->error = e.what();
        results.push_back(std::move(r));
      }
      if (!results.back()->error.empty())
        std::fprintf(stderr, "%s: %s\n", results.back()->name.c_str(),
                     results.back()->error.c_str());
    }

  std::printf(
      "\ntick-to-order, wire to wire (venue writes the markPriceUpdate -> venue has read the "
      "order.place), ns\n");
  std::printf("ws-t2o %-16s %8s %9s %9s %9s %9s %10s %7s %8s\n", "config", "count", "p50", "p90",
              "p99", "p99.9", "max", "missed", "ticks/s");
  bool ok = true;
  for (const auto& r : results) {
    char extra[64];
    std::snprintf(extra, sizeof extra, " %7llu %8.0f", ull(r->missed),
                  r->seconds > 0 ? static_cast<double>(r->ticks_sent) / r->seconds : 0.0);
    print_hist_row("ws-t2o", r->name, *r->wire, extra);
    if (r->wire->count() == 0 || !r->error.empty()) ok = false;
  }

  std::printf(
      "\nthe pipeline's own tick-to-order (socket read of the tick -> order bytes handed to the "
      "kernel), ns\n");
  std::printf("engine %-16s %8s %9s %9s %9s %9s %10s\n", "config", "count", "p50", "p90", "p99",
              "p99.9", "max");
  for (const auto& r : results) print_hist_row("engine", r->name, r->pipeline.tick_to_order, "");

  std::printf("\nper-stage p50 / p99 (ns)\n%-16s %13s %13s %13s %13s %13s %13s %13s\n", "config",
              "decode", "md->engine", "engine", "risk", "engine->ord", "encode", "send");
  for (const auto& r : results) {
    const PipelineLatency& l = r->pipeline;
    std::printf("%-16s", r->name.c_str());
    for (const LatencyHistogram* h : {&l.decode, &l.hop_md_engine, &l.engine, &l.risk,
                                      &l.hop_engine_order, &l.encode, &l.send}) {
      char cell[32];
      std::snprintf(cell, sizeof cell, "%llu/%llu", ull(h->percentile(50)), ull(h->percentile(99)));
      std::printf(" %13s", cell);
    }
    std::printf("\n");
  }
  if (!results.empty() && !results.front()->threads.empty()) {
    std::printf("\ntopology: ");
    for (const auto& t : results.front()->threads) std::printf("%s | ", t.c_str());
    std::printf("venue threads: %s\n",
                o.pin && usable_cpus().size() >= 2 ? "pinned to the first CPU" : "not pinned");
  }
  std::printf("\nengine counters\n");
  for (const auto& r : results)
    std::printf(
        "%-16s engine ticks %llu (venue sent %llu ticks x 2 messages)  orders %llu  "
        "risk rejects %llu  orders outside a tick's window %llu  not settled in time "
        "%llu%s%s\n",
        r->name.c_str(), ull(r->engine_ticks), ull(r->ticks_sent), ull(r->engine_orders),
        ull(r->risk_rejects), ull(r->stray), ull(r->unsettled),
        r->error.empty() ? "" : "  ERROR: ", r->error.c_str());
  return ok ? 0 : 1;
}

int usage() {
  std::fprintf(stderr,
               "usage: ballast_bench_ws_tick_to_order [--quick] [--ticks N] [--threads 1|2]\n"
               "              [--pin] [--blocking-wait-us US] [--timeout-ms MS]\n");
  return 2;
}

}  // namespace
}  // namespace ballast::bench

static int run_main(int argc, char** argv) {
  ballast::bench::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto number = [&](long long& out) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      out = std::strtoll(argv[++i], &end, 10);
      return end != nullptr && *end == '\0' && out > 0;
    };
    long long v = 0;
    if (a == "--quick") {
      o.ticks = 300;
      o.warmup = 50;
    } else if (a == "--ticks" && number(v)) {
      o.ticks = static_cast<std::uint64_t>(v);
    } else if (a == "--threads" && number(v) && v <= 2) {
      o.threads = static_cast<int>(v);
    } else if (a == "--pin") {
      o.pin = true;
    } else if (a == "--blocking-wait-us" && number(v)) {
      o.blocking_wait_ns = v * 1000;
    } else if (a == "--timeout-ms" && number(v)) {
      o.timeout = std::chrono::milliseconds(v);
    } else {
      return ballast::bench::usage();
    }
  }
  return ballast::bench::run(o);
}

int main(int argc, char** argv) {
  return ballast::run_guarded_main("ballast_bench_ws_tick_to_order", run_main, argc, argv);
}
