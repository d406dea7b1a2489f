// ConfigBuilder's book and machine: [portfolio] (holdings, positions, open orders),
// [market] (the price snapshot) and [[thread]].
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "domain_config.hpp"

namespace ballast {

namespace {

// Ascending CPUs as the kernel's cpulist format writes them: "0-3,6,8-9".
std::string format_cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(cpus[i]);
    if (j > i) out += "-" + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

// Without [[thread]]: every agent on its own spinning core when there are enough, leaving
// the first usable CPU to the OS; with two or three, market data and the engine share
// one; on a single CPU spinning would starve the other agents, so one thread backs off.
std::vector<ThreadSpec> default_threads(const std::vector<int>& cpus) {
  if (cpus.size() >= 4)
    return {ThreadSpec{"md", {AgentKind::market_data}, cpus[1], IdleKind::spin},
            ThreadSpec{"engine", {AgentKind::engine}, cpus[2], IdleKind::spin},
            ThreadSpec{"orders", {AgentKind::orders}, cpus[3], IdleKind::spin}};
  if (cpus.size() >= 2)
    return {ThreadSpec{"hot", {AgentKind::market_data, AgentKind::engine}, cpus[0], IdleKind::spin},
            ThreadSpec{"orders", {AgentKind::orders}, cpus[1], IdleKind::spin}};
  return {ThreadSpec{"all",
                     {AgentKind::market_data, AgentKind::engine, AgentKind::orders},
                     -1,
                     IdleKind::backoff}};
}

}  // namespace

void ConfigBuilder::read_threads() {
  const toml::array* list = r_.array(root_, "thread", Need::optional);
  if (!list) {
    if (!root_.has("thread")) cfg_.threads = default_threads(cpus_);
    return;
  }
  std::size_t tables = 0;
  r_.each_table(*list, "thread", [&](Section& s) {
    ++tables;
    read_thread(s);
  });
  const int line = line_of(*list);
  check_spinner_count(line);
  // An agent list that failed to read may well have named the agent; say nothing then.
  if (tables < list->size() || !agents_read_) return;
  for (std::size_t a = 0; a < kAgents.size(); ++a)
    if (agent_thread_[a] == kNoThread)
      r_.error(line, "thread",
               std::string("agent ") + to_string(kAgents[a].value) + " is on no [[thread]]");
}

void ConfigBuilder::read_thread(Section& s) {
  ThreadSpec spec;
  const auto name = r_.name(s, "name", Need::required);
  const toml::array* agents = r_.array(s, "agents", Need::required);
  const auto cpu = r_.integer(s, "cpu", Need::optional);
  const auto idle = r_.choice(s, "idle", Need::optional, kIdle);
  assign(idle, spec.idle);
  const std::size_t index = thread_entries_.size();
  ThreadEntry entry{name.value_or(s.path()), -1,
                    spec.idle == IdleKind::spin && (idle || !s.has("idle"))};

  if (name) {
    const auto same = [&](const ThreadSpec& t) { return t.name == *name; };
    if (std::any_of(cfg_.threads.begin(), cfg_.threads.end(), same))
      r_.error(s.line_of_key("name"), s.child("name"), "duplicate thread name " + *name);
    spec.name = *name;
  }
  if (agents)
    read_thread_agents(s, *agents, index, entry.label, spec);
  else
    agents_read_ = false;
  if (cpu) {
    entry.cpu = check_cpu(s, *cpu);
    spec.cpu = entry.cpu;
  }
  if (entry.spins && entry.cpu >= 0) check_pinned_spinner(s, entry);
  cfg_.threads.push_back(std::move(spec));
  thread_entries_.push_back(std::move(entry));
}

void ConfigBuilder::read_thread_agents(const Section& s, const toml::array& agents,
                                       std::size_t index, const std::string& label,
                                       ThreadSpec& spec) {
  const std::string path = s.child("agents");
  if (agents.empty()) {
    r_.error(agents, path, "at least one agent is required");
    agents_read_ = false;
    return;
  }
  for (std::size_t i = 0; i < agents.size(); ++i) {
    const std::string item = indexed(path, i);
    const auto agent = r_.as_choice(agents[i], item, kAgents);
    if (!agent) {
      agents_read_ = false;
      continue;
    }
    const auto a = static_cast<std::size_t>(*agent);
    const std::size_t owner = agent_thread_[a];
    if (owner == index) {
      r_.error(agents[i], item, std::string("agent ") + to_string(*agent) + " is listed twice");
    } else if (owner != kNoThread) {
      r_.error(agents[i], item,
               std::string("agent ") + to_string(*agent) + " is on two threads (" +
                   thread_entries_[owner].label + " and " + label + ")");
    } else {
      agent_thread_[a] = index;
      spec.agents.push_back(*agent);
    }
  }
}

// The CPU to pin to, or -1 when unpinned or not usable here (after saying why).
int ConfigBuilder::check_cpu(const Section& s, std::int64_t cpu) {
  if (cpu == -1) return -1;
  const int line = s.line_of_key("cpu");
  if (cpu < -1) {
    r_.error(line, s.child("cpu"),
             "cpu must be >= 0 (or -1 for unpinned), got " + std::to_string(cpu));
    return -1;
  }
  const auto usable = [&](int c) { return c == cpu; };
  if (std::none_of(cpus_.begin(), cpus_.end(), usable)) {
    r_.error(line, s.child("cpu"),
             "cpu " + std::to_string(cpu) +
                 " is not available (usable CPUs: " + format_cpu_list(cpus_) + ")");
    return -1;
  }
  return static_cast<int>(cpu);
}

// Two spinning threads on one core take turns by the scheduler's time slice.
void ConfigBuilder::check_pinned_spinner(const Section& s, const ThreadEntry& entry) {
  for (const ThreadEntry& other : thread_entries_) {
    if (!other.spins || other.cpu != entry.cpu) continue;
    r_.error(s.line_of_key("cpu"), s.child("cpu"),
             "cpu " + std::to_string(entry.cpu) + " already runs spinning thread " + other.label +
                 "; two spinning threads on one CPU would take turns (use idle = "
                 "\"backoff\" or another cpu)");
    return;
  }
}

void ConfigBuilder::check_spinner_count(int line) {
  const auto spinners =
      static_cast<std::size_t>(std::count_if(thread_entries_.begin(), thread_entries_.end(),
                                             [](const ThreadEntry& t) { return t.spins; }));
  if (spinners <= cpus_.size()) return;
  r_.error(line, "thread",
           std::to_string(spinners) + " spinning threads on " + std::to_string(cpus_.size()) +
               (cpus_.size() == 1 ? " usable CPU" : " usable CPUs") +
               ": spinners would share a core (measured here: 4 ms p50); use idle = "
               "\"backoff\" or fewer threads");
}

void ConfigBuilder::read_portfolio(Section& s) {
  PortfolioState& p = cfg_.portfolio;
  // Negative cash is a margin loan: unusual but a real state to value.
  const auto cash = r_.number(s, "cash", Need::optional);
  assign(cash, p.cash);
  cash_known_ = cash || !s.has("cash");
  cfg_.margin_balance = r_.number(s, "margin_balance", Need::optional, kNonNegative);
  if (const toml::array* spot = r_.array(s, "spot", Need::optional))
    r_.each_table(*spot, s.child("spot"), [&](Section& h) { read_spot_holding(h); });
  if (const toml::array* futures = r_.array(s, "futures", Need::optional))
    r_.each_table(*futures, s.child("futures"), [&](Section& f) { read_futures_position(f); });
  if (const toml::array* orders = r_.array(s, "open_orders", Need::optional))
    r_.each_table(
        *orders, s.child("open_orders"), [&](Section& o) { read_open_order(o); }, kMaxOpenOrders);
  cfg_.last_rebalance_unix_s = r_.unix_time(s, "last_rebalance", Need::optional);
  check_margin_balance(s);
}

// The futures wallet is part of cash (which by now includes base-currency spot rows).
void ConfigBuilder::check_margin_balance(const Section& s) {
  if (!cfg_.margin_balance || !cash_known_) return;
  const double cash = cfg_.portfolio.cash;
  // Cash may be a sum (cash + a USDT spot row), so allow that sum's binary noise.
  if (*cfg_.margin_balance <= cash + 1e-9 * std::max(1.0, std::fabs(cash))) return;
  r_.error(s.line_of_key("margin_balance"), s.child("margin_balance"),
           "cannot exceed cash (" + format_number(cash) + "): the futures wallet is part of cash");
}

void ConfigBuilder::read_spot_holding(Section& h) {
  const auto name = r_.name(h, "asset", Need::required);
  const auto qty = r_.number(h, "qty", Need::required, kNonNegative);
  if (!name) return;
  const int line = h.line_of_key("asset");
  const AssetId asset = intern(*name, line, h.child("asset"));
  if (asset == kNoAsset) return;
  if (spot_listed_[asset]) {
    r_.error(line, h.child("asset"), "duplicate holding of " + *name);
    return;
  }
  spot_listed_[asset] = true;
  // The base currency is cash; listing it under spot is allowed for convenience.
  if (is_base(asset)) {
    cfg_.portfolio.cash += qty.value_or(0.0);
    cash_known_ = cash_known_ && qty.has_value();
    return;
  }
  require_target(asset, line, h.child("asset"));
  cfg_.portfolio.spot_qty[asset] = qty.value_or(0.0);
}

void ConfigBuilder::read_futures_position(Section& f) {
  const auto symbol = r_.name(f, "instrument", Need::required);
  const auto contracts = r_.decimal(f, "contracts", Need::required);
  const auto entry = r_.number(f, "entry_price", Need::optional, kNonNegative);
  if (!symbol) return;
  const int line = f.line_of_key("instrument");
  const std::string key = f.child("instrument");
  const InstrumentId id = cfg_.universe.find_instrument(*symbol);
  if (id == kNoInstrument) {
    r_.error(line, key, *symbol + " names no instrument");
    return;
  }
  const InstrumentSpec& spec = cfg_.universe.instruments[id];
  if (!spec.is_derivative()) {
    r_.error(line, key, *symbol + " is a spot instrument; list spot holdings in portfolio.spot");
    return;
  }
  if (position_listed_[id]) {
    r_.error(line, key, "duplicate position in " + *symbol);
    return;
  }
  position_listed_[id] = true;
  require_target(spec.base, line, key);
  if (!contracts) return;
  // Positions live in whole lots; a fractional lot means the snapshot is wrong.
  const auto lots = steps_exact(*contracts, spec.lot_size);
  if (!lots || !lots->exact) {
    check_multiple_of_lot(f, "contracts", *contracts, spec.lot_size);
    return;
  }
  FuturesPosition& pos = cfg_.portfolio.positions[id];
  pos.lots = lots->steps;
  pos.entry_price = entry.value_or(0.0);
  if (pos.lots != 0 && !f.has("entry_price"))
    r_.error(f.line(), f.child("entry_price"), "missing required key (the position is open)");
  else if (pos.lots != 0 && entry && *entry == 0.0)
    r_.error(f.line_of_key("entry_price"), f.child("entry_price"),
             "entry_price must be > 0 for an open position");
}

// An order resting at a venue: any instrument, in whole lots at a whole-tick price.
void ConfigBuilder::read_open_order(Section& o) {
  const auto symbol = r_.name(o, "instrument", Need::required);
  const auto buy = r_.choice(o, "side", Need::required, kSides);
  const auto contracts = r_.decimal(o, "contracts", Need::required, kPositive);
  const auto price = r_.decimal(o, "price", Need::required, kPositive);
  if (!symbol) return;
  const InstrumentId id = cfg_.universe.find_instrument(*symbol);
  if (id == kNoInstrument) {
    r_.error(o.line_of_key("instrument"), o.child("instrument"), *symbol + " names no instrument");
    return;
  }
  const InstrumentSpec& spec = cfg_.universe.instruments[id];
  const auto lots = contracts
                        ? steps_of(o, "contracts", *contracts, spec.lot_size, "lot_size", "lots")
                        : std::nullopt;
  const auto ticks =
      price ? steps_of(o, "price", *price, spec.tick_size, "tick_size", "ticks") : std::nullopt;
  if (!buy || !lots || !ticks) return;
  OpenOrderSet& set = cfg_.open_orders;  // each_table stops at kMaxOpenOrders
  OpenOrder& open = set.orders[set.count++];
  open.instrument = id;
  open.side = *buy ? Side::buy : Side::sell;
  open.lots = *lots;
  open.limit_ticks = *ticks;
}

void ConfigBuilder::read_market(Section& s) {
  cfg_.market_line = s.line();
  const auto as_of = r_.unix_time(s, "as_of", Need::optional);
  r_.each_entry(s, "prices",
                [&](std::string_view key, const toml::node& v, const std::string& path) {
                  read_price(key, v, path);
                });
  if (as_of) set_market_time(s, *as_of);
  r_.each_entry(s, "funding_rates",
                [&](std::string_view key, const toml::node& v, const std::string& path) {
                  read_funding_rate(key, v, path);
                });
  r_.each_entry(s, "depth",
                [&](std::string_view key, const toml::node& v, const std::string& path) {
                  read_depth(key, v, path);
                });
}

// The snapshot's prices are as of `as_of`; without it `plan` takes them as current.
void ConfigBuilder::set_market_time(const Section& s, std::int64_t as_of) {
  // 0 ns means "never updated", and the nanoseconds must fit in 64 bits.
  if (as_of <= 0 || as_of > kMaxAsOfUnixS) {
    r_.error(s.line_of_key("as_of"), s.child("as_of"),
             "must be after 1970-01-01T00:00:00Z and at most 2262-04-11T23:47:16Z "
             "(Unix nanoseconds must be positive and fit in 64 bits)");
    return;
  }
  cfg_.market_as_of_unix_s = as_of;
  for (std::size_t i = 0; i < cfg_.universe.instruments.size(); ++i)
    if (cfg_.market.mark[i] > 0.0) cfg_.market.updated_ns[i] = as_of * 1'000'000'000;
  for (std::size_t a = 0; a < cfg_.universe.assets.size(); ++a)
    if (cfg_.market.spot_price[a] > 0.0) cfg_.market.spot_updated_ns[a] = as_of * 1'000'000'000;
}

// A price key is an instrument symbol (its mark) or ASSET+BASE such as ETHUSDT (a spot
// price for an asset that has no spot instrument configured).
void ConfigBuilder::read_price(std::string_view key, const toml::node& v, const std::string& path) {
  const auto price = r_.as_number(v, path, "price", kPositive);
  if (!price) return;
  const InstrumentId id = cfg_.universe.find_instrument(key);
  if (id != kNoInstrument) {
    cfg_.market.mark[id] = *price;
    const InstrumentSpec& spec = cfg_.universe.instruments[id];
    if (spec.base != kNoAsset && cfg_.universe.assets[spec.base].spot_instrument == id)
      cfg_.market.spot_price[spec.base] = *price;
    return;
  }
  if (const AssetId asset = pair_asset(key); asset != kNoAsset) {
    cfg_.market.spot_price[asset] = *price;
    return;
  }
  r_.error(v, path, "names no instrument or <ASSET>" + base_name() + " spot pair");
}

AssetId ConfigBuilder::pair_asset(std::string_view key) const {
  if (base() == kNoAsset) return kNoAsset;
  const std::string& quote = asset_name(base());
  if (key.size() <= quote.size() || key.substr(key.size() - quote.size()) != quote) return kNoAsset;
  const AssetId asset = cfg_.universe.find_asset(key.substr(0, key.size() - quote.size()));
  return is_base(asset) ? kNoAsset : asset;
}

void ConfigBuilder::read_funding_rate(std::string_view key, const toml::node& v,
                                      const std::string& path) {
  const auto rate = r_.as_number(v, path, "funding rate", kAnyValue);
  if (!rate) return;
  const InstrumentId id = cfg_.universe.find_instrument(key);
  if (id == kNoInstrument) {
    r_.error(v, path, std::string(key) + " names no instrument");
  } else if (cfg_.universe.instruments[id].kind != InstrumentKind::perpetual) {
    r_.error(v, path, std::string(key) + " is not a perpetual; only perpetuals pay funding");
  } else {
    cfg_.market.funding_rate[id] = *rate;
  }
}

void ConfigBuilder::read_depth(std::string_view key, const toml::node& v, const std::string& path) {
  const toml::table* t = r_.as_table(v, path);
  if (!t) return;
  Section s(*t, path);
  const InstrumentId id = cfg_.universe.find_instrument(key);
  if (id == kNoInstrument) {
    r_.error(v, path, std::string(key) + " names no instrument");
    return;  // its keys are not worth a second round of errors
  }
  BookSnapshot& book = cfg_.market.books[id];
  read_book_side(s, "bids", book.bids, book.bid_count);
  read_book_side(s, "asks", book.asks, book.ask_count);
  r_.finish(s);
  if (book.bid_count > 0 && book.ask_count > 0 && book.bids[0].price >= book.asks[0].price)
    r_.error(s.line(), path,
             "crossed book: best bid " + format_number(book.bids[0].price) +
                 " is not below best ask " + format_number(book.asks[0].price));
}

// Levels are [price, qty] pairs, best first: bids strictly descending, asks ascending.
void ConfigBuilder::read_book_side(Section& s, std::string_view side,
                                   std::array<BookLevel, kMaxBookLevels>& levels,
                                   std::uint8_t& count) {
  const toml::array* list = r_.array(s, side, Need::optional);
  if (!list) return;
  const std::string path = s.child(side);
  if (list->size() > kMaxBookLevels) {
    r_.error(*list, path, "at most " + std::to_string(kMaxBookLevels) + " levels");
    return;
  }
  const bool bids = side == "bids";
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string item = indexed(path, i);
    const toml::array* level = r_.as_array((*list)[i], item);
    if (!level) continue;
    if (level->size() != 2) {
      r_.error(*level, item, "expected [price, qty]");
      continue;
    }
    const auto price = r_.as_number((*level)[0], item, "price", kPositive);
    const auto qty = r_.as_number((*level)[1], item, "qty", kPositive);
    if (!price || !qty) continue;
    if (count > 0) {
      const double previous = levels[count - 1].price;
      if (bids ? *price >= previous : *price <= previous) {
        r_.error(*level, item,
                 bids ? "bid prices must strictly descend" : "ask prices must strictly ascend");
        continue;
      }
    }
    levels[count++] = BookLevel{*price, *qty};
  }
}

}  // namespace ballast
