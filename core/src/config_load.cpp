// Loading a config: the caps and the shape scan before toml++ sees the text, then the
// ConfigBuilder over core's domain tables and the schema's module tables.
#include <toml++/toml.h>

#include <sstream>
#include <string>

#include "ballast/core/agent.hpp"
#include "domain_config.hpp"

namespace ballast {
namespace {

// The CPUs [[thread]] is checked against: the caller's list, or the machine's.
std::vector<int> cpus_to_check(const ConfigParseOptions& options) {
  std::vector<int> cpus;
  for (int cpu : options.usable_cpus)
    if (cpu >= 0) cpus.push_back(cpu);
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus.empty() ? usable_cpus() : cpus;
}

// A value as TOML writes it ("200", "\"ctl.sock\"", "[ 'a' ]"), so a reload can compare a
// module's table without knowing its type.
std::string as_written(const toml::node& value) {
  std::ostringstream text;
  value.visit([&](auto&& v) { text << v; });
  return text.str();
}

}  // namespace

ConfigBuilder::ConfigBuilder(const toml::table& root, const std::string& file,
                             const ConfigParseOptions& options, const ConfigSchema& schema)
    : r_(file), root_(root, ""), cpus_(cpus_to_check(options)), schema_(schema) {
  cfg_.source_path = file;
}

ConfigLoadResult ConfigBuilder::build() {
  r_.table(root_, "engine", Need::required, [&](Section& s) { read_engine(s); });
  read_instruments();
  read_targets();
  r_.table(root_, "policy", Need::optional, [&](Section& s) { read_policy(s); });
  r_.table(root_, "portfolio", Need::required, [&](Section& s) { read_portfolio(s); });
  // After the portfolio: risk.collateral names assets, which instruments, targets and
  // holdings intern. Errors are sorted by line, so reading order never shows.
  r_.table(root_, "risk", Need::optional, [&](Section& s) { read_risk(s); });
  r_.table(root_, "market", Need::optional, [&](Section& s) { read_market(s); });
  r_.table(root_, "recovery", Need::optional, [&](Section& s) {
    // Applied at start only: listed with the modules' keys so a reload names a change
    // to it as needing a restart.
    for (auto&& [key, value] : s.table())
      cfg_.module_keys.emplace_back(s.child(key.str()), as_written(value));
    read_recovery(s);
  });
  read_threads();
  for (const ConfigSchema::Table& t : schema_.tables()) {
    r_.table(root_, t.name, t.need, [&](Section& s) {
      for (auto&& [key, value] : s.table())
        cfg_.module_keys.emplace_back(s.child(key.str()), as_written(value));
      ConfigSection section(r_, s, cfg_);
      t.read(section);
    });
  }
  ConfigChecks checks(r_, cfg_);
  for (const ConfigSchema::Check& check : schema_.checks()) check(checks);
  if (schema_.tolerates_other_tables())
    for (auto&& [key, value] : root_.table()) root_.take(key.str());
  r_.finish(root_);
  check_method();
  if (base() != kNoAsset) cfg_.market.spot_price[base()] = 1.0;
  std::sort(cfg_.module_keys.begin(), cfg_.module_keys.end());

  ConfigLoadResult result;
  result.errors = r_.take_errors();
  if (result.errors.empty()) result.config = std::move(cfg_);
  return result;
}

ConfigLoadResult parse_config(std::string_view toml_text, const std::string& file_name) {
  return parse_config(toml_text, file_name, ConfigParseOptions{}, ConfigSchema{});
}

ConfigLoadResult parse_config(std::string_view toml_text, const std::string& file_name,
                              const ConfigParseOptions& options) {
  return parse_config(toml_text, file_name, options, ConfigSchema{});
}

ConfigLoadResult parse_config(std::string_view toml_text, const std::string& file_name,
                              const ConfigParseOptions& options, const ConfigSchema& schema) {
  if (toml_text.size() > kMaxConfigBytes) {
    ConfigLoadResult result;
    result.errors.push_back(ConfigError{
        file_name, 0, "",
        "larger than " + std::to_string(kMaxConfigBytes) + " bytes; not a config file"});
    return result;
  }
  if (const auto shape = config_shape_problem(toml_text)) {
    ConfigLoadResult result;
    result.errors.push_back(ConfigError{file_name, shape->line, "", shape->problem});
    return result;
  }
  toml::table doc;
  try {
    doc = toml::parse(toml_text, std::string_view(file_name));
  } catch (const toml::parse_error& e) {
    ConfigLoadResult result;
    result.errors.push_back(ConfigError{file_name, static_cast<int>(e.source().begin.line), "",
                                        "TOML syntax error: " + std::string(e.description())});
    return result;
  }
  return ConfigBuilder(doc, file_name, options, schema).build();
}

ConfigLoadResult load_config_file(const std::string& path) {
  return load_config_file(path, ConfigParseOptions{}, ConfigSchema{});
}

ConfigLoadResult load_config_file(const std::string& path, const ConfigParseOptions& options) {
  return load_config_file(path, options, ConfigSchema{});
}

ConfigLoadResult load_domain_config(const std::string& path) {
  ConfigSchema schema;
  schema.tolerate_other_tables();
  return load_config_file(path, ConfigParseOptions{}, schema);
}

ConfigLoadResult load_config_file(const std::string& path, const ConfigParseOptions& options,
                                  const ConfigSchema& schema) {
  std::string text;
  if (const auto failure = read_config_text(path, text)) {
    ConfigLoadResult result;
    result.errors.push_back(ConfigError{path, 0, "", "cannot read file: " + *failure});
    return result;
  }
  return parse_config(text, path, options, schema);
}

std::vector<ConfigError> validate_for_planning(const BallastConfig& config) {
  std::vector<ConfigError> errors;
  const Universe& u = config.universe;
  const MarketState& m = config.market;
  auto report = [&](const std::string& key, std::string problem) {
    errors.push_back(ConfigError{config.source_path, config.market_line, "market.prices." + key,
                                 std::move(problem)});
  };
  for (std::size_t i = 0; i < u.instruments.size(); ++i)
    if (!(m.mark[i] > 0.0))
      report(u.instruments[i].symbol, "no price for instrument " + u.instruments[i].symbol);

  const std::string base =
      u.base_currency != kNoAsset ? u.assets[u.base_currency].name : std::string();
  for (std::size_t a = 0; a < u.assets.size(); ++a) {
    if (a == u.base_currency) continue;
    const bool needed = config.targets[a].configured || config.portfolio.spot_qty[a] != 0.0;
    if (!needed || m.spot_price[a] > 0.0) continue;
    const std::string& name = u.assets[a].name;
    const InstrumentId spot = u.assets[a].spot_instrument;
    if (spot == kNoInstrument) {
      report(name + base, "no spot price for " + name + " (expected key " + name + base +
                              " or a spot instrument)");
    } else if (m.mark[spot] > 0.0) {
      // The loader copies a spot instrument's price to its asset; a config assembled
      // elsewhere might not have.
      report(u.instruments[spot].symbol, "no spot price for " + name + " although " +
                                             u.instruments[spot].symbol + " has a price");
    }  // else the instrument's missing price was reported above
  }
  return errors;
}

}  // namespace ballast
