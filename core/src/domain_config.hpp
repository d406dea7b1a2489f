// ConfigBuilder walks a parsed TOML document into a BallastConfig: core's domain tables
// ([engine], [[instrument]], [[target]], [policy], [risk], [portfolio], [market],
// [[thread]]), then the tables other modules registered in the ConfigSchema. Private to
// core; its members are defined in domain_config_universe.cpp and domain_config_book.cpp.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config_reader.hpp"

namespace ballast {

// Weights are typed by hand as decimals (0.1 + 0.2 + 0.7); binary noise must not fail them.
inline constexpr double kWeightTolerance = 1e-9;
// Seconds whose nanoseconds fit MarketState::updated_ns: the latest is 2262-04-11T23:47:16Z.
inline constexpr std::int64_t kMaxAsOfUnixS =
    std::numeric_limits<std::int64_t>::max() / 1'000'000'000;

inline constexpr std::array<Option<InstrumentKind>, 3> kKinds{
    {{"spot", InstrumentKind::spot},
     {"perpetual", InstrumentKind::perpetual},
     {"future", InstrumentKind::future}}};
inline constexpr std::array<Option<Settlement>, 2> kSettlements{
    {{"linear", Settlement::linear}, {"inverse", Settlement::inverse}}};
inline constexpr std::array<Option<TriggerMode>, 3> kTriggers{
    {{"threshold", TriggerMode::threshold},
     {"calendar", TriggerMode::calendar},
     {"both", TriggerMode::both}}};
inline constexpr std::array<Option<RebalanceTo>, 2> kRebalanceTo{
    {{"target", RebalanceTo::target}, {"band_edge", RebalanceTo::band_edge}}};
inline constexpr std::array<Option<HedgeMethod>, 3> kMethods{
    {{"hedge", HedgeMethod::hedge},
     {"synthetic_pair", HedgeMethod::synthetic_pair},
     {"spot", HedgeMethod::spot}}};
inline constexpr std::array<Option<bool>, 2> kSessionLoss{
    {{"resume", false}, {"halt", true}}};  // halt?
inline constexpr std::array<Option<bool>, 2> kOnMismatch{
    {{"adopt", false}, {"halt", true}}};  // halt?
inline constexpr std::array<Option<bool>, 2> kSides{
    {{"buy", true}, {"sell", false}}};  // true = buy
inline constexpr std::array<Option<AgentKind>, 3> kAgents{
    {{"md", AgentKind::market_data}, {"engine", AgentKind::engine}, {"orders", AgentKind::orders}}};
inline constexpr std::array<Option<IdleKind>, 3> kIdle{
    {{"spin", IdleKind::spin}, {"yield", IdleKind::yield}, {"backoff", IdleKind::backoff}}};

class ConfigBuilder {
 public:
  ConfigBuilder(const toml::table& root, const std::string& file, const ConfigParseOptions& options,
                const ConfigSchema& schema);

  // The domain tables, then the schema's tables and checks, then the unknown top-level
  // tables: every problem of the file, sorted by line.
  ConfigLoadResult build();

 private:
  // Where a [[target]] was written, for checks that run after all sections are read.
  struct TargetEntry {
    AssetId asset = kNoAsset;
    std::string path;
    int line = 0;
    bool lists_hedges = false;  // hedge_with given and not empty
  };

  // A [[thread]] as read, for the checks across threads.
  struct ThreadEntry {
    std::string label;  // its name, or its path when the name is missing or bad
    int cpu = -1;
    bool spins = false;  // idle is spin (and was read)
  };

  [[nodiscard]] AssetId base() const { return cfg_.universe.base_currency; }
  [[nodiscard]] bool is_base(AssetId a) const { return a != kNoAsset && a == base(); }
  [[nodiscard]] const std::string& asset_name(AssetId a) const {
    static const std::string unknown = "?";
    return a < cfg_.universe.assets.size() ? cfg_.universe.assets[a].name : unknown;
  }
  [[nodiscard]] std::string base_name() const {
    return base() != kNoAsset ? asset_name(base()) : std::string("<base currency>");
  }

  AssetId intern(std::string_view asset, int line, const std::string& path) {
    const AssetId id = cfg_.universe.intern_asset(asset);
    if (id == kNoAsset)
      r_.error(line, path, "too many assets (at most " + std::to_string(kMaxAssets) + ")");
    return id;
  }

  // Venue ids index fixed arrays; "default" (id 0) is always there and counts.
  VenueId intern_venue(const std::string& venue, int line, const std::string& path) {
    std::vector<std::string>& venues = cfg_.universe.venues;
    const auto it = std::find(venues.begin(), venues.end(), venue);
    if (it != venues.end()) return static_cast<VenueId>(it - venues.begin());
    if (venues.size() >= kMaxVenues) {
      r_.error(
          line, path,
          "too many venues (at most " + std::to_string(kMaxVenues) + ", counting \"default\")");
      return 0;
    }
    venues.push_back(venue);
    return static_cast<VenueId>(venues.size() - 1);
  }

  // Holdings of an asset without a target would be valued but never rebalanced.
  void require_target(AssetId a, int line, const std::string& path) {
    if (a == kNoAsset || is_base(a) || cfg_.targets[a].configured) return;
    r_.error(line, path, "asset " + asset_name(a) + " has no [[target]]");
  }

  // ---- [engine]

  void read_engine(Section& s);
  // ---- [[instrument]]

  void read_instruments();
  void read_instrument(Section& s);
  // An asset's spot pair is the spot instrument quoted in the base currency: it prices
  // the asset and is what method = "spot" trades. Other spot crosses are just instruments.
  void register_spot_pair(const Section& s, InstrumentId id);
  void check_multiple_of_lot(const Section& s, std::string_view key, const Decimal& value,
                             const Decimal& lot);
  // `value` as a whole number of `step`s, or nullopt after reporting why it is not one.
  std::optional<std::int64_t> steps_of(const Section& s, std::string_view key, const Decimal& value,
                                       const Decimal& step, std::string_view step_key,
                                       std::string_view steps_name);
  void read_margin_brackets(Section& s, InstrumentSpec& spec);
  // ---- [[target]]

  void read_targets();
  void read_target(Section& s);
  // Returns whether hedge_with lists anything, so a missing list is reported only once.
  bool read_hedge_with(Section& s, AssetId asset, TargetSpec& target);
  void check_target_weights(int line);
  // ---- [policy] and [risk]

  void read_policy(Section& s);
  void read_risk(Section& s);
  void read_recovery(Section& s);
  // collateral = { BTC = 0.95 }: an asset's spot value counted toward the futures wallet.
  void read_collateral(std::string_view key, const toml::node& v, const std::string& path);
  // The method decides what each target needs to be rebalanced with.
  void check_method();
  // ---- [[thread]]

  void read_threads();
  void read_thread(Section& s);
  void read_thread_agents(const Section& s, const toml::array& agents, std::size_t index,
                          const std::string& label, ThreadSpec& spec);
  // The CPU to pin to, or -1 when unpinned or not usable here (after saying why).
  int check_cpu(const Section& s, std::int64_t cpu);
  // Two spinning threads on one core take turns by the scheduler's time slice.
  void check_pinned_spinner(const Section& s, const ThreadEntry& entry);
  void check_spinner_count(int line);

  // ---- [portfolio]

  void read_portfolio(Section& s);
  // The futures wallet is part of cash (which by now includes base-currency spot rows).
  void check_margin_balance(const Section& s);
  void read_spot_holding(Section& h);
  void read_futures_position(Section& f);
  // An order resting at a venue: any instrument, in whole lots at a whole-tick price.
  void read_open_order(Section& o);
  // ---- [market]

  void read_market(Section& s);
  // The snapshot's prices are as of `as_of`; without it `plan` takes them as current.
  void set_market_time(const Section& s, std::int64_t as_of);
  // A price key is an instrument symbol (its mark) or ASSET+BASE such as ETHUSDT (a spot
  // price for an asset that has no spot instrument configured).
  void read_price(std::string_view key, const toml::node& v, const std::string& path);
  [[nodiscard]] AssetId pair_asset(std::string_view key) const;
  void read_funding_rate(std::string_view key, const toml::node& v, const std::string& path);
  void read_depth(std::string_view key, const toml::node& v, const std::string& path);
  // Levels are [price, qty] pairs, best first: bids strictly descending, asks ascending.
  void read_book_side(Section& s, std::string_view side,
                      std::array<BookLevel, kMaxBookLevels>& levels, std::uint8_t& count);
  ConfigReader r_;
  Section root_;
  BallastConfig cfg_;
  std::vector<TargetEntry> target_entries_;
  std::array<bool, kMaxAssets> spot_listed_{};
  std::array<bool, kMaxInstruments> position_listed_{};
  bool cash_known_ = true;  // false when cash (or a base-currency spot row) failed to read
  int method_line_ = 0;
  std::vector<int> cpus_;  // usable CPUs, ascending
  static constexpr std::size_t kNoThread = std::numeric_limits<std::size_t>::max();
  std::array<std::size_t, kAgents.size()> agent_thread_ = {kNoThread, kNoThread, kNoThread};
  std::vector<ThreadEntry> thread_entries_;
  const ConfigSchema& schema_;
  bool agents_read_ = true;  // every [[thread]]'s agents key was read without a problem
};

}  // namespace ballast
