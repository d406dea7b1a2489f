// VenueWsServer: Binance USDⓈ-M over WebSocket in front of the VenueSimulation (see the
// header; the protocol as served: sim/ws/README.md). This file: accepting connections,
// routing their messages, the public API. Streams: venue_ws_streams.cpp; the WebSocket
// API: venue_ws_api.cpp.
#include <boost/asio/post.hpp>

#include "venue_ws_impl.hpp"
#include "venue_ws_sessions.hpp"

namespace ballast::venue {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct VenueWsServer::Impl::Io {
  net::io_context ioc{1};
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor{ioc};
};

VenueWsServer::Impl::Impl(VenueSimulation& s, VenueWsServerOptions o)
    : sim(s), options(std::move(o)), io(std::make_unique<Io>()) {}
VenueWsServer::Impl::~Impl() = default;

namespace {

// Splits "a/b/c".
std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t end = s.find(sep, start);
    const std::size_t stop = end == std::string_view::npos ? s.size() : end;
    if (stop > start) out.emplace_back(s.substr(start, stop - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Accepting and routing

void VenueWsServer::Impl::accept() {
  // Handlers hold the raw Impl: it owns the io_context, so it outlives them (a shared_ptr
  // here would be a cycle Impl -> io_context -> handler -> Impl).
  io->acceptor.async_accept([self = this](boost::system::error_code ec, tcp::socket sock) {
    if (ec) {
      if (ec == net::error::operation_aborted || !self->io->acceptor.is_open()) return;
      self->accept();
      return;
    }
    sock.set_option(tcp::no_delay(true), ec);
    const std::shared_ptr<Session> s = self->io->tls
                                           ? make_tls_session(self, std::move(sock), *self->io->tls)
                                           : make_plain_session(self, std::move(sock));
    self->sessions.insert(s);
    s->start();
    self->accept();
  });
}

bool VenueWsServer::Impl::resolve_stream(const std::string& name) const {
  // <symbol>@bookTicker | <symbol>@markPrice | <symbol>@markPrice@1s | <symbol>@depth@100ms
  const auto at = name.find('@');
  if (at == std::string::npos) return false;
  const auto it = by_symbol.find(name.substr(0, at));
  if (it == by_symbol.end() || name.substr(0, at) != listings[it->second].lower) return false;
  const std::string rest = name.substr(at + 1);
  return rest == "bookTicker" || rest == "markPrice" || rest == "markPrice@1s" ||
         rest == "depth@100ms" || rest == "depth";
}

void VenueWsServer::Impl::on_handshake(const std::shared_ptr<Session>& s, const std::string& target,
                                       std::string* refuse) {
  std::string path = target;
  std::string query;
  if (const auto q = target.find('?'); q != std::string::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  if (path == "/ws-fapi/v1") {
    s->kind = Session::Kind::api;
    return;
  }
  std::vector<std::string> streams;
  if (path == "/stream") {
    s->combined = true;
    for (const std::string& kv : split(query, '&'))
      if (kv.rfind("streams=", 0) == 0) streams = split(kv.substr(8), '/');
  } else if (path == "/ws" || path.rfind("/ws/", 0) == 0) {
    streams = split(path.size() > 4 ? path.substr(4) : std::string{}, '/');
    if (streams.size() == 1) {
      std::lock_guard lock(keys_mu);
      if (auto it = listen_keys.find(streams[0]); it != listen_keys.end()) {
        // A user-data stream: the account of that listenKey.
        std::optional<AccountId> id;
        const std::string name = it->second;
        locked([&](VenueSimulation& v) { id = account_locked(v, name).id; });
        s->kind = Session::Kind::user;
        s->account = *id;
        return;
      }
    }
  } else {
    *refuse = "unknown path " + path;
    return;
  }
  for (const std::string& st : streams)
    if (!resolve_stream(st)) {
      *refuse = "unknown stream or listenKey " + st;
      return;
    }
  s->kind = Session::Kind::market;
  for (const std::string& st : streams) s->streams.insert(st);
  count([&](VenueWsCounters& c) { c.subscriptions += streams.size(); });
}

void VenueWsServer::Impl::on_closed(const std::shared_ptr<Session>& s) {
  if (sessions.erase(s) == 0 || !s->accepted) return;
  count([](VenueWsCounters& c) {
    if (c.open_connections > 0) --c.open_connections;
  });
}

void VenueWsServer::Impl::on_message(const std::shared_ptr<Session>& s, std::string text) {
  if (s->kind == Session::Kind::api)
    on_api_message(s, text);
  else if (s->kind == Session::Kind::market)
    on_market_message(s, text);
  // User-data streams ignore what the client sends (Binance does the same).
}

// Live SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS on a market connection.
void VenueWsServer::Impl::on_market_message(const std::shared_ptr<Session>& s,
                                            const std::string& text) {
  simdjson::padded_string padded(text);
  std::string id_json = "null";
  auto reply_error = [&](int code, const std::string& msg) {
    s->send(std::make_shared<const std::string>("{\"error\":{\"code\":" + std::to_string(code) +
                                                ",\"msg\":" + json_quote(msg) +
                                                "},\"id\":" + id_json + "}"));
  };
  std::string method;
  std::vector<std::string> params;
  try {
    simdjson::ondemand::document doc = parser.iterate(padded);
    simdjson::ondemand::object obj = doc.get_object();
    for (auto field : obj) {
      const std::string key(std::string_view(field.unescaped_key()));
      simdjson::ondemand::value v = field.value();
      if (key == "method") {
        method = std::string(std::string_view(v.get_string()));
      } else if (key == "id") {
        if (v.type() != simdjson::ondemand::json_type::number) {
          reply_error(2, "Invalid request: request ID must be an unsigned integer");
          return;
        }
        id_json = std::to_string(std::uint64_t(v.get_uint64()));
      } else if (key == "params") {
        for (auto p : v.get_array()) params.emplace_back(std::string_view(p.get_string()));
      } else {
        reply_error(0, "Unknown property");
        return;
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    reply_error(3, std::string("Invalid JSON: ") + e.what());
    return;
  }
  if (method == "SUBSCRIBE" || method == "UNSUBSCRIBE") {
    for (const std::string& st : params)
      if (!resolve_stream(st)) {
        reply_error(2, "Invalid request: unknown stream " + st);
        return;
      }
    for (const std::string& st : params) {
      if (method == "SUBSCRIBE")
        s->streams.insert(st);
      else
        s->streams.erase(st);
    }
    if (method == "SUBSCRIBE") count([&](VenueWsCounters& c) { c.subscriptions += params.size(); });
    s->send(std::make_shared<const std::string>("{\"result\":null,\"id\":" + id_json + "}"));
    return;
  }
  if (method == "LIST_SUBSCRIPTIONS") {
    std::string r = "{\"result\":[";
    bool first = true;
    for (const std::string& st : s->streams) {
      r += (first ? "" : ",") + json_quote(st);
      first = false;
    }
    s->send(std::make_shared<const std::string>(r + "],\"id\":" + id_json + "}"));
    return;
  }
  reply_error(2, "Invalid request: unknown method " + method);
}

WsAccount& VenueWsServer::Impl::account_locked(VenueSimulation& v, const std::string& name) {
  auto& slot = accounts[name];
  if (!slot) {
    slot = std::make_unique<WsAccount>();
    slot->name = name;
    AccountConfig cfg = options.client_account;
    cfg.name = "ws:" + name;
    slot->id = v.add_client(cfg);
    by_account[slot->id] = slot.get();
  }
  return *slot;
}

void VenueWsServer::Impl::deliver_locked(std::vector<Outgoing> out) {
  net::post(io->ioc, [self = this, out = std::move(out)] {
    std::uint64_t md_n = 0, user = 0;
    for (const Outgoing& g : out) {
      for (const auto& s : self->sessions) {
        if (!s->accepted) continue;
        if (g.stream.empty()) {
          if (s->kind == Session::Kind::user && s->account == g.account) {
            s->send(g.raw);
            ++user;
          }
        } else if (s->kind == Session::Kind::market && s->streams.contains(g.stream)) {
          s->send(s->combined ? g.combined : g.raw);
          ++md_n;
        }
      }
    }
    if (md_n + user > 0)
      self->count([&](VenueWsCounters& c) {
        c.md_messages += md_n;
        c.user_messages += user;
      });
  });
}

void VenueWsServer::Impl::send_locked(const std::shared_ptr<Session>& s, std::string text) {
  net::post(io->ioc, [s, t = std::make_shared<const std::string>(std::move(text))] { s->send(t); });
}

// ---------------------------------------------------------------------------------------
// VenueWsServer

VenueWsServer::VenueWsServer(VenueSimulation& sim, VenueWsServerOptions options)
    : impl_(std::make_shared<Impl>(sim, std::move(options))) {
  Impl& s = *impl_;
  const Universe& u = sim.venue().universe();
  s.listings.resize(u.instruments.size());
  s.md.resize(u.instruments.size());
  for (std::size_t k = 0; k < u.instruments.size() && k < kMaxInstruments; ++k) {
    const InstrumentSpec& spec = u.instruments[k];
    Listing& l = s.listings[k];
    l.symbol = ws::binance_symbol(spec);
    if (l.symbol.empty()) continue;
    const auto q = multiply_steps(spec.contract_size.units, spec.lot_size);
    if (!q) continue;
    l.qty_step = Decimal{q->units, q->scale + spec.contract_size.scale}.normalized();
    l.tick = spec.tick_size.normalized();
    l.lower = ws::to_lower(l.symbol);
    l.quote = spec.quote < u.assets.size() ? u.assets[spec.quote].name : std::string("USDT");
    l.listed = true;
    s.by_symbol[l.symbol] = static_cast<InstrumentId>(k);
    s.by_symbol[l.lower] = static_cast<InstrumentId>(k);
  }
  const bool cert = !s.options.tls_cert_file.empty(), key = !s.options.tls_key_file.empty();
  if (cert != key)
    throw std::invalid_argument("venue ws: TLS needs both a certificate and a key file");
  if (cert) {
    s.io->tls.emplace(ssl::context::tls_server);
    s.io->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1);
    try {
      s.io->tls->use_certificate_chain_file(s.options.tls_cert_file);
      s.io->tls->use_private_key_file(s.options.tls_key_file, ssl::context::pem);
    } catch (const std::exception& e) {
      throw std::invalid_argument("venue ws: TLS certificate/key (" + s.options.tls_cert_file +
                                  ", " + s.options.tls_key_file + "): " + e.what());
    }
  }
}

VenueWsServer::~VenueWsServer() {
  stop();
}

void VenueWsServer::start() {
  Impl& s = *impl_;
  if (s.started) return;
  boost::system::error_code ec;
  const auto addr = net::ip::make_address(s.options.bind_address, ec);
  if (ec) throw std::runtime_error("venue ws: bad bind address " + s.options.bind_address);
  const tcp::endpoint ep(addr, static_cast<unsigned short>(s.options.port));
  s.io->acceptor.open(ep.protocol(), ec);
  if (!ec) s.io->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.io->acceptor.bind(ep, ec);
  if (!ec) s.io->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    s.io->acceptor.close(ec);
    throw std::runtime_error("venue ws: cannot listen on " + s.options.bind_address + ":" +
                             std::to_string(s.options.port) + ": " + ec.message());
  }
  s.bound_port = s.io->acceptor.local_endpoint().port();
  // The first publish is the full book as one depthUpdate from pu = 0 (a client that
  // subscribes later gets the snapshot from `depth`).
  s.locked([&](VenueSimulation& v) { s.publish_locked(v, true); });
  s.accept();
  s.started = true;
  s.thread = std::thread([&s] { s.io->ioc.run(); });
}

void VenueWsServer::stop() {
  Impl& s = *impl_;
  if (!s.started) return;
  s.started = false;
  net::post(s.io->ioc, [&s] {
    boost::system::error_code ec;
    s.io->acceptor.close(ec);
    for (const auto& session : s.sessions) session->reset();
    s.sessions.clear();
    s.io->ioc.stop();
  });
  if (s.thread.joinable()) s.thread.join();
  s.count([](VenueWsCounters& c) { c.open_connections = 0; });
}

int VenueWsServer::port() const noexcept {
  return impl_->bound_port;
}

bool VenueWsServer::tls() const noexcept {
  return impl_->io->tls.has_value();
}

void VenueWsServer::step_to(std::int64_t sim_ns) {
  Impl& s = *impl_;
  s.locked([&](VenueSimulation& v) {
    v.step_to(sim_ns);
    s.drain_locked(v);
    s.publish_locked(v, false);
  });
}

void VenueWsServer::publish_now() {
  Impl& s = *impl_;
  s.locked([&](VenueSimulation& v) {
    s.drain_locked(v);
    s.publish_locked(v, true);
  });
}

std::size_t VenueWsServer::drop_all() {
  Impl& s = *impl_;
  std::size_t open = 0;
  s.count([&](VenueWsCounters& c) { open = c.open_connections; });
  net::post(s.io->ioc, [self = impl_.get()] {
    std::uint64_t n = 0;
    for (const auto& session : self->sessions) {
      if (session->kind == Session::Kind::pending) continue;
      session->reset();
      ++n;
    }
    self->count([&](VenueWsCounters& c) { c.drops += n; });
  });
  return open;
}

VenueWsCounters VenueWsServer::counters() const {
  std::lock_guard lock(impl_->counters_mu);
  return impl_->counters;
}

std::vector<VenueClientSummary> VenueWsServer::clients() const {
  std::vector<VenueClientSummary> out;
  Impl& s = *impl_;
  s.locked([&](VenueSimulation& v) {
    const Universe& u = v.venue().universe();
    for (const auto& [name, a] : s.accounts) {
      const Account& acct = v.venue().account(a->id);
      VenueClientSummary c;
      c.session = "ws:" + name;
      c.account = a->id;
      c.cash = acct.portfolio.cash;
      c.fees_paid = acct.fees_paid;
      c.funding_received = a->funding_received;
      c.funding_paid = a->funding_paid;
      c.funding_payments = a->funding_payments;
      c.settled_pnl = acct.settled_pnl;
      for (std::size_t i = 0; i < u.instruments.size() && i < kMaxInstruments; ++i) {
        const std::int64_t lots = acct.portfolio.positions[i].lots;
        if (lots != 0)
          c.positions.push_back(
              {u.instruments[i].symbol, lots_to_contracts(u.instruments[i], lots)});
      }
      out.push_back(std::move(c));
    }
  });
  return out;
}

std::optional<AccountId> VenueWsServer::account_of(const std::string& account) const {
  std::optional<AccountId> id;
  Impl& s = *impl_;
  s.locked([&](VenueSimulation&) {
    if (auto it = s.accounts.find(account); it != s.accounts.end()) id = it->second->id;
  });
  return id;
}

}  // namespace ballast::venue
