// Mutation fuzzing of the config loader: thousands of corruptions of the demo config
// (byte flips, deleted/duplicated/swapped lines, truncation, random insertions). The
// loader must never crash or throw, and must either load cleanly or report at least one
// error, each naming the file and a problem, never both a config and errors.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ballast/ballast_config.hpp"
#include "ballast/core/config.hpp"

namespace ballast::config_fuzz_test {
namespace {

std::string demo_text() {
  std::ifstream f(std::string(BALLAST_SOURCE_DIR) + "/config/demo.toml");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) lines.push_back(line);
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string mutate(const std::string& base, std::mt19937_64& rng) {
  static const char* const kTokens[] = {
      "=",  "[",     "]",   "{",       "}",         "\"",    ",",          "-1",
      "0",  "1e309", "nan", "inf",     "true",      "\"x\"", "[[target]]", "[[instrument]]",
      "\n", "#",     "'",   "\\u0000", "1979-05-27"};
  std::string text = base;
  const int rounds = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < rounds; ++k) {
    std::vector<std::string> lines = split_lines(text);
    if (lines.empty()) return text;
    const std::size_t i = rng() % lines.size();
    switch (rng() % 7) {
      case 0:  // flip a byte
        if (!text.empty()) text[rng() % text.size()] = static_cast<char>(rng() % 256);
        continue;
      case 1:
        lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      case 2:
        lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i), lines[i]);
        break;
      case 3:
        std::swap(lines[i], lines[rng() % lines.size()]);
        break;
      case 4:
        text.resize(rng() % (text.size() + 1));
        continue;
      case 5: {  // replace a value with a random token
        const std::size_t eq = lines[i].find('=');
        if (eq != std::string::npos)
          lines[i] = lines[i].substr(0, eq + 1) + " " + kTokens[rng() % std::size(kTokens)];
        break;
      }
      default:
        lines[i].insert(rng() % (lines[i].size() + 1), kTokens[rng() % std::size(kTokens)]);
        break;
    }
    text = join(lines);
  }
  return text;
}

TEST(ConfigFuzzTest, MutatedConfigsNeverCrashAndAlwaysExplain) {
  const std::string base = demo_text();
  ASSERT_FALSE(base.empty());
  ASSERT_TRUE(tools::parse_ballast_config(base, "demo.toml").ok());
  std::mt19937_64 rng(0xBA11A57);
  int rejected = 0;
  for (int iteration = 0; iteration < 4000; ++iteration) {
    const std::string text = mutate(base, rng);
    LoadResult<tools::BallastFileConfig> r;
    ASSERT_NO_THROW(r = tools::parse_ballast_config(text, "fuzz.toml")) << text;
    ASSERT_EQ(r.config.has_value(), r.errors.empty()) << text;
    for (const ConfigError& e : r.errors) {
      ASSERT_EQ(e.file, "fuzz.toml");
      ASSERT_FALSE(e.problem.empty());
      ASSERT_EQ(e.to_string().find('\n'), std::string::npos) << "one line per problem";
    }
    if (r.config) {
      // Whatever loads must also be plannable or say why, without crashing.
      ASSERT_NO_THROW((void)validate_for_planning(*r.config));
    } else {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1000);  // the mutations really do produce bad files
}

// Issue 14, item 5: a 50,000-level nested table header overflowed toml++'s stack
// (check-config exit 139, and a live reload killed the engine). Depth and size are
// capped before the parser runs, so every such input is one line of error.
TEST(ConfigFuzzTest, DeepNestingAndHugeInputsAreErrorsNotCrashes) {
  std::string dotted = "[";
  for (int k = 0; k < 50'000; ++k) dotted += "a.";
  dotted += "a]\nx = 1\n";
  std::string arrays = "x = " + std::string(50'000, '[');
  std::string tables = "x = " + std::string(50'000, '{');
  std::string quoted = "[";
  for (int k = 0; k < 50'000; ++k) quoted += "\"a\".";
  quoted += "\"a\"]\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dotted, "a dotted key of more than 64 parts"},
      {arrays, "nested deeper than 64 levels"},
      {tables, "nested deeper than 64 levels"},
      {quoted, "a dotted key of more than 64 parts"},
      {std::string(2u << 20, '#'), "larger than 1048576 bytes"},
  };
  for (const auto& [text, words] : cases) {
    LoadResult<tools::BallastFileConfig> r;
    ASSERT_NO_THROW(r = tools::parse_ballast_config(text, "deep.toml"));
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].problem.find(words), std::string::npos) << r.errors[0].to_string();
  }
  // Nesting a real config uses still parses; strings and comments do not count.
  const std::string ok_text =
      demo_text() + "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n";
  EXPECT_TRUE(tools::parse_ballast_config(ok_text, "demo.toml").ok());
  // A device or FIFO is not a config file: refused before a byte is read.
  const ConfigLoadResult dev = load_config_file("/dev/zero");
  ASSERT_EQ(dev.errors.size(), 1u);
  EXPECT_NE(dev.errors[0].problem.find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace ballast::config_fuzz_test
