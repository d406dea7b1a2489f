// ControlRequestParser under hostile input: random bytes, truncations and mutations of
// valid requests never crash and always give either a request or an error; every
// documented command parses; each documented refusal has its words.
#include "ballast/control/request_parser.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace ballast::control::request_parser_test {
namespace {

const std::vector<std::string>& valid_requests() {
  static const std::vector<std::string> v = {
      R"({"v":1,"id":1,"cmd":"status"})",
      R"({"v":1,"id":"a","cmd":"positions","args":{}})",
      R"({"v":1,"cmd":"orders"})",
      R"({"v":1,"id":3,"cmd":"risk"})",
      R"({"v":1,"id":4,"cmd":"latency"})",
      R"({"v":1,"id":5,"cmd":"pause"})",
      R"({"v":1,"id":6,"cmd":"resume"})",
      R"({"v":1,"id":7,"cmd":"kill"})",
      R"({"v":1,"id":8,"cmd":"reduce-only"})",
      R"({"v":1,"id":9,"cmd":"flatten"})",
      R"({"v":1,"id":10,"cmd":"set-target","args":{"asset":"BTC","weight":0.4,"band":0.03}})",
      R"({"v":1,"id":11,"cmd":"reload"})",
      R"({"v":1,"id":12,"cmd":"subscribe","args":{"interval_ms":100}})",
  };
  return v;
}

// A definite result: a request with no error, or an error with no request.
void expect_definite(const ControlParseResult& r, const std::string& line) {
  if (r.request) {
    EXPECT_TRUE(r.error.empty()) << line;
    EXPECT_TRUE(r.well_formed) << line;
  } else {
    EXPECT_FALSE(r.error.empty()) << line;
  }
}

TEST(ControlRequestParserTest, EveryDocumentedCommandParses) {
  ControlRequestParser p;
  for (const char* name : control_cmd_names()) {
    std::string args = "{}";
    if (std::string(name) == "set-target") args = R"({"asset":"ETH","weight":0})";
    const std::string line =
        std::string(R"({"v":1,"id":42,"cmd":")") + name + R"(","args":)" + args + "}";
    const ControlParseResult r = p.parse(line);
    ASSERT_TRUE(r.request) << line << ": " << r.error;
    EXPECT_STREQ(to_string(r.request->cmd), name);
    EXPECT_EQ(r.request->id_json, "42");
  }
  for (const std::string& line : valid_requests()) EXPECT_TRUE(p.parse(line).request) << line;
}

TEST(ControlRequestParserTest, ArgumentsAreTyped) {
  ControlRequestParser p;
  const ControlParseResult st = p.parse(valid_requests()[10]);
  ASSERT_TRUE(st.request);
  EXPECT_EQ(st.request->asset, "BTC");
  EXPECT_DOUBLE_EQ(st.request->weight, 0.4);
  ASSERT_TRUE(st.request->band);
  EXPECT_DOUBLE_EQ(*st.request->band, 0.03);
  EXPECT_EQ(st.request->args_json, R"({"asset":"BTC","weight":0.4,"band":0.03})");
  const ControlParseResult sub = p.parse(valid_requests()[12]);
  ASSERT_TRUE(sub.request);
  EXPECT_EQ(sub.request->interval_ms, 100);
  const ControlParseResult dflt = p.parse(R"({"v":1,"cmd":"subscribe"})");
  ASSERT_TRUE(dflt.request);
  EXPECT_EQ(dflt.request->interval_ms, kDefaultSubscribeIntervalMs);
  EXPECT_EQ(dflt.request->id_json, "");
  EXPECT_EQ(dflt.request->args_json, "{}");
  const ControlParseResult sid = p.parse(R"({"v":1,"id":"x\"y","cmd":"status"})");
  ASSERT_TRUE(sid.request);
  EXPECT_EQ(sid.request->id_json, R"("x\"y")");
}

TEST(ControlRequestParserTest, RefusalsSayWhy) {
  ControlRequestParser p;
  struct Case {
    const char* line;
    const char* error;
    bool well_formed;
  };
  const Case cases[] = {
      {"not json", "malformed JSON", false},
      {"[1,2]", "a request is a JSON object", false},
      {R"({"v":2,"cmd":"status"})", "unsupported protocol version", false},
      {R"({"v":"1","cmd":"status"})", "unsupported protocol version", false},
      {R"({"cmd":"status"})", "missing field \"v\"", false},
      {R"({"v":1})", "missing field \"cmd\"", false},
      {R"({"v":1,"cmd":"launch"})", "unknown command \"launch\"", false},
      {R"({"v":1,"cmd":7})", "cmd must be a string", false},
      {R"({"v":1,"cmd":"status","extra":1})", "unknown field \"extra\"", false},
      {R"({"v":1,"v":1,"cmd":"status"})", "duplicate field \"v\"", false},
      {R"({"v":1,"id":[1],"cmd":"status"})", "id must be a number or a string", false},
      {R"({"v":1,"cmd":"status","args":[]})", "args must be an object", false},
      {R"({"v":1,"cmd":"pause","args":{"now":true}})", "unknown argument \"now\" for pause", true},
      {R"({"v":1,"cmd":"set-target","args":{"asset":"BTC"}})", "needs args.asset and args.weight",
       true},
      {R"({"v":1,"cmd":"set-target"})", "needs args.asset and args.weight", true},
      {R"({"v":1,"cmd":"set-target","args":{"asset":"","weight":1}})", "non-empty string", true},
      {R"({"v":1,"cmd":"set-target","args":{"asset":"B","weight":"x"}})",
       "args.weight must be a number", true},
      {R"({"v":1,"cmd":"subscribe","args":{"interval_ms":10}})", "args.interval_ms must be", true},
      {R"({"v":1,"cmd":"subscribe","args":{"interval_ms":100.5}})", "args.interval_ms must be",
       true},
  };
  for (const Case& c : cases) {
    const ControlParseResult r = p.parse(c.line);
    EXPECT_FALSE(r.request) << c.line;
    EXPECT_NE(r.error.find(c.error), std::string::npos) << c.line << " -> " << r.error;
    EXPECT_EQ(r.well_formed, c.well_formed) << c.line;
  }
  // The id is echoed even when the rest is wrong.
  EXPECT_EQ(p.parse(R"({"v":9,"id":77,"cmd":"status"})").id_json, "77");
}

TEST(ControlRequestParserTest, OverLongLineRefused) {
  ControlRequestParser p;
  std::string line = R"({"v":1,"cmd":"status","id":")" + std::string(kMaxRequestLine, 'x') + "\"}";
  const ControlParseResult r = p.parse(line);
  EXPECT_FALSE(r.request);
  EXPECT_NE(r.error.find("longer than 65536"), std::string::npos);
}

TEST(ControlRequestParserTest, RandomBytesNeverCrash) {
  ControlRequestParser p;
  std::mt19937_64 rng(20261201);
  for (int k = 0; k < 20000; ++k) {
    std::string line(rng() % 200, '\0');
    for (char& c : line) c = static_cast<char>(rng() & 0xff);
    const ControlParseResult r = p.parse(line);
    expect_definite(r, line);
    EXPECT_FALSE(r.request) << line;  // random bytes are never a request
  }
}

TEST(ControlRequestParserTest, TruncationsAndMutationsOfValidRequestsNeverCrash) {
  ControlRequestParser p;
  std::mt19937_64 rng(7);
  const std::string alphabet = "{}[]\":,0123456789.-eE truefalsnul\\\x01\xff";
  std::size_t parsed = 0, refused = 0;
  for (const std::string& valid : valid_requests()) {
    for (std::size_t cut = 0; cut < valid.size(); ++cut) {
      const ControlParseResult r = p.parse(valid.substr(0, cut));
      expect_definite(r, valid.substr(0, cut));
      EXPECT_FALSE(r.request) << valid.substr(0, cut);  // a cut object is never complete
    }
    for (int k = 0; k < 3000; ++k) {
      std::string m = valid;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !m.empty(); ++e) {
        const std::size_t at = rng() % m.size();
        switch (rng() % 3) {
          case 0:
            m[at] = alphabet[rng() % alphabet.size()];
            break;
          case 1:
            m.erase(at, 1);
            break;
          default:
            m.insert(at, 1, alphabet[rng() % alphabet.size()]);
            break;
        }
      }
      const ControlParseResult r = p.parse(m);
      expect_definite(r, m);
      (r.request ? parsed : refused)++;
    }
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(parsed, 0u);  // some mutations stay valid (a digit of the id changed)
}

}  // namespace
}  // namespace ballast::control::request_parser_test
