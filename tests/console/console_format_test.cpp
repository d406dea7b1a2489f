// ballast-console's pure parts: words -> request lines, the drift bar, number formats,
// reply rendering and the screen layout at 80x24.
#include "console_format.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "control_client.hpp"
#include "engine_view.hpp"
#include "request_builder.hpp"

namespace ballast::console {
namespace {

TEST(RequestBuilderTest, SetTargetMapsPositionalArguments) {
  const BuiltRequest r = build_request({"set-target", "BTC", "0.4", "0.05"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.line,
            R"({"v":1,"cmd":"set-target","args":{"asset":"BTC","weight":0.4,"band":0.05}})");
  const BuiltRequest no_band = build_request({"set-target", "ETH", ".50"});
  EXPECT_EQ(no_band.line, R"({"v":1,"cmd":"set-target","args":{"asset":"ETH","weight":0.5}})");
}

TEST(RequestBuilderTest, CommandsWithoutArgumentsAndIds) {
  EXPECT_EQ(build_request({"pause"}).line, R"({"v":1,"cmd":"pause"})");
  EXPECT_EQ(build_request({"reduce-only"}, 7).line, R"({"v":1,"id":7,"cmd":"reduce-only"})");
  EXPECT_EQ(build_request({"subscribe", "200"}).line,
            R"({"v":1,"cmd":"subscribe","args":{"interval_ms":200}})");
}

TEST(RequestBuilderTest, KeyValueWordsPassThrough) {
  EXPECT_EQ(build_request({"status", "verbose=true", "n=3"}).line,
            R"({"v":1,"cmd":"status","args":{"verbose":"true","n":3}})");
}

TEST(RequestBuilderTest, BadWordsAreNamed) {
  EXPECT_NE(build_request({}).error, "");
  EXPECT_NE(build_request({"frobnicate"}).error.find("unknown command 'frobnicate'"),
            std::string::npos);
  EXPECT_NE(build_request({"set-target", "BTC"}).error.find("missing weight"), std::string::npos);
  EXPECT_NE(build_request({"set-target", "BTC", "lots"}).error.find("weight 'lots'"),
            std::string::npos);
  EXPECT_NE(build_request({"set-target", "BTC", "nan"}).error, "");
  EXPECT_NE(build_request({"pause", "now"}).error.find("unexpected argument 'now'"),
            std::string::npos);
  EXPECT_NE(build_request({"subscribe", "0.5"}).error.find("integer"), std::string::npos);
}

TEST(RequestBuilderTest, QuotesAndSplits) {
  EXPECT_EQ(json_quote("a\"b\\c\n"), R"("a\"b\\c\n")");
  EXPECT_EQ(split_words("  set-target\tBTC  0.4 "),
            (std::vector<std::string>{"set-target", "BTC", "0.4"}));
  EXPECT_TRUE(split_words("   ").empty());
}

TEST(DriftBarTest, CentredOnTargetWithBandEdges) {
  // 11 cells: centre 5, half 5, band edges at +-3 (2 bands span the half).
  EXPECT_EQ(drift_bar(0.0, 0.05, 13), "[--:--#--:--]");
  EXPECT_EQ(drift_bar(0.05, 0.05, 13), "[--:--|--#--]");
  EXPECT_EQ(drift_bar(-0.05, 0.05, 13), "[--#--|--:--]");
  EXPECT_EQ(drift_bar(0.10, 0.05, 13), "[--:--|--:-#]");
  EXPECT_EQ(drift_bar(0.5, 0.05, 13), "[--:--|--:->]");
  EXPECT_EQ(drift_bar(-0.5, 0.05, 13), "[<-:--|--:--]");
  EXPECT_EQ(drift_bar(0.004, 0.05, 13), "[--:--#--:--]");
  EXPECT_EQ(drift_bar(0.012, 0.05, 13), "[--:--|#-:--]");
  EXPECT_EQ(drift_bar(0.02, 0.05, 13), "[--:--|#-:--]");
}

TEST(DriftBarTest, WidthIsExactAndSmallWidthsDegrade) {
  for (int w : {5, 7, 13, 20, 41}) EXPECT_EQ(drift_bar(0.03, 0.05, w).size(), std::size_t(w)) << w;
  EXPECT_EQ(drift_bar(0.0, 0.05, 2).size(), 5u);
  EXPECT_EQ(drift_bar(0.0, 0.0, 7), "[--#--]");
  EXPECT_EQ(drift_bar(NAN, 0.05, 7), "[-:|:-]");
}

TEST(FormatTest, Numbers) {
  EXPECT_EQ(format_percent(0.4123), "41.2%");
  EXPECT_EQ(format_percent(0.015, true), "+1.5%");
  EXPECT_EQ(format_percent(-0.0001, true), " 0.0%");
  EXPECT_EQ(format_percent(INFINITY), "-");
  EXPECT_EQ(format_money(100000), "100,000.00");
  EXPECT_EQ(format_money(-1234.5), "-1,234.50");
  EXPECT_EQ(format_money(999.999), "1,000.00");
  EXPECT_EQ(format_money(12345678, true), "12.35M");
  EXPECT_EQ(format_ns(850), "850ns");
  EXPECT_EQ(format_ns(12345), "12.3us");
  EXPECT_EQ(format_ns(4500000), "4.50ms");
  EXPECT_EQ(format_ns(-1), "-");
  EXPECT_EQ(format_number(0.4), "0.4");
  EXPECT_EQ(format_count(9999), "9999");
  EXPECT_EQ(format_count(12345), "12.3k");
  EXPECT_EQ(format_count(854134), "854k");
  EXPECT_EQ(format_count(12345678), "12.3M");
  EXPECT_EQ(fit("abc", 5), "abc  ");
  EXPECT_EQ(fit("abc", 5, true), "  abc");
  EXPECT_EQ(fit("abcdef", 3), "abc");
}

TEST(ReplyRenderingTest, ScalarsNestedObjectsAndTables) {
  const std::string text = render_reply_text(
      R"({"v":1,"type":"reply","id":3,"cmd":"status","ok":true,"state":"ACTIVE",)"
      R"("paused":false,"venues":[{"name":"default","up":true},{"name":"ws","up":false}],)"
      R"("tick_to_order_ns":{"p50":1200,"p99":5000},"applied":[]})");
  EXPECT_EQ(text,
            "cmd: status\n"
            "ok: true\n"
            "state: ACTIVE\n"
            "paused: false\n"
            "venues:\n"
            "  NAME    UP\n"
            "  default true\n"
            "  ws      false\n"
            "tick_to_order_ns.p50: 1200\n"
            "tick_to_order_ns.p99: 5000\n"
            "applied: (none)\n");
  EXPECT_EQ(render_reply_text(R"({"v":1,"type":"reply","cmd":"flatten","ok":false,)"
                              R"("error":"engine is HALTED"})"),
            "cmd: flatten\nok: false\nerror: engine is HALTED\n");
  EXPECT_EQ(render_reply_text("nope"), "unparsable reply: nope\n");
}

TEST(MessageTest, RepliesSnapshotsAndAlertsAreTold) {
  EXPECT_TRUE(is_reply(inspect_message(R"({"v":1,"type":"reply","ok":true})")));
  const MessageInfo refused = inspect_message(R"({"v":1,"type":"reply","ok":false,"error":"x"})");
  EXPECT_TRUE(is_reply(refused));
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.error, "x");
  EXPECT_FALSE(is_reply(inspect_message(R"({"v":1,"type":"snapshot","state":"ACTIVE"})")));
  EXPECT_FALSE(is_reply(inspect_message("{")));
}

const char* kSnapshot =
    R"({"v":1,"type":"snapshot","state":"ACTIVE","paused":true,"flattening":false,)"
    R"("ready":true,"venues":[{"name":"default","up":true}],"ticks":1234,"orders":4,)"
    R"("fills":4,"rejects":0,"risk_rejects":1,"nav":100000.5,"max_abs_drift":0.021,)"
    R"("assets":[{"asset":"BTC","exposure":52100.0,"weight":0.521,"target":0.5,"band":0.05,)"
    R"("drift":0.021,"configured":true},{"asset":"ETH","exposure":47900.0,"weight":0.479,)"
    R"("target":0.5,"band":0.05,"drift":-0.021,"configured":true}],)"
    R"("instruments":[{"symbol":"BTCUSDT-PERP","lots":-12,"contracts":-12,"mark":70010.0}],)"
    R"("open":[{"id":"17","symbol":"ETHUSDT-PERP","side":"buy","lots":3,"filled":0,)"
    R"("price":3500.5,"purpose":"rebalance","unknown":false}],)"
    R"("leverage":0.42,"max_leverage":3.0,"margin_utilization":0.12,)"
    R"("max_margin_utilization":0.5,"liquidation_distance":null,)"
    R"("min_liquidation_distance":0.25,"worst_instrument":"","last_denial":"",)"
    R"("tick_to_order_ns":{"p50":12345,"p99":45678,"count":4}})";

TEST(EngineViewTest, SnapshotFieldsArrive) {
  EngineView v;
  ASSERT_TRUE(apply_snapshot(kSnapshot, v));
  EXPECT_EQ(v.state, "ACTIVE");
  EXPECT_TRUE(v.paused);
  EXPECT_EQ(v.ticks, 1234);
  ASSERT_EQ(v.assets.size(), 2u);
  EXPECT_EQ(v.assets[1].asset, "ETH");
  EXPECT_DOUBLE_EQ(v.assets[1].drift, -0.021);
  ASSERT_EQ(v.open_orders.size(), 1u);
  EXPECT_EQ(v.open_orders[0].id, "17");
  EXPECT_TRUE(std::isinf(v.liquidation_distance));
  EXPECT_DOUBLE_EQ(v.latency_p99_ns, 45678);
  EXPECT_FALSE(apply_snapshot("garbage", v));
}

TEST(EngineViewTest, AlertsReadAsOneLine) {
  EXPECT_EQ(describe_alert(R"({"v":1,"type":"alert","time":"2026-12-01T03:14:15.123Z",)"
                           R"("kind":"venue_reject","message":"BTCUSDT-PERP post-only"})"),
            "03:14:15 venue_reject BTCUSDT-PERP post-only");
  EXPECT_EQ(describe_alert(R"({"v":1,"type":"alert","seq":4,"kind":"risk_denied","value":3.5})"),
            "risk_denied value=3.5");
}

TEST(ScreenLayoutTest, FitsEightyByTwentyFour) {
  ScreenModel m;
  m.connected = true;
  ASSERT_TRUE(apply_snapshot(kSnapshot, m.view));
  for (int i = 0; i < 30; ++i) m.alerts.push_back("alert " + std::to_string(i));
  m.status = "pause: ok";
  const auto lines = layout_screen(m, 80, 24);
  ASSERT_EQ(lines.size(), 24u);
  std::string screen;
  for (const auto& l : lines) {
    EXPECT_LE(l.text.size(), 80u) << l.text;
    screen += l.text + "\n";
  }
  EXPECT_NE(screen.find("ACTIVE  PAUSED"), std::string::npos) << screen;
  EXPECT_NE(screen.find("default up"), std::string::npos) << screen;
  EXPECT_NE(screen.find("BTC "), std::string::npos) << screen;
  EXPECT_NE(screen.find("[---:---|#--:---]"), std::string::npos) << screen;  // +2.1% in 5%
  EXPECT_NE(screen.find("BTCUSDT-PERP -12"), std::string::npos) << screen;
  EXPECT_NE(screen.find("ETHUSDT-PERP"), std::string::npos) << screen;
  EXPECT_NE(screen.find("p50 12.3us"), std::string::npos) << screen;
  EXPECT_NE(screen.find("leverage 0.42x/3.00x"), std::string::npos) << screen;
  EXPECT_NE(screen.find("liq dist none/25.0%"), std::string::npos) << screen;
  EXPECT_NE(screen.find("alert 29"), std::string::npos) << screen;  // the newest shown
  EXPECT_EQ(lines[22].text.rfind("pause: ok", 0), 0u);
  EXPECT_EQ(lines[23].text.rfind("p pause", 0), 0u);
}

TEST(ScreenLayoutTest, ADownVenueSaysWhyInTheTitle) {
  ScreenModel m;
  m.connected = true;
  ASSERT_TRUE(apply_snapshot(kSnapshot, m.view));
  ASSERT_FALSE(m.view.venues.empty());
  m.view.venues[0].up = false;
  m.view.venues[0].last_problem = "socket error: 127.0.0.1 on port 9878: Connection refused";
  const auto lines = layout_screen(m, 160, 24);
  EXPECT_NE(lines[0].text.find("default DOWN (socket error: 127.0.0.1 on port 9878: Connection "
                               "refused)"),
            std::string::npos)
      << lines[0].text;
  EXPECT_EQ(lines[0].style, LineStyle::title_alarm);
}

TEST(ScreenLayoutTest, AVenueThatDoesNotSayWhatItHoldsIsAnAlarm) {
  ScreenModel m;
  m.connected = true;
  ASSERT_TRUE(apply_snapshot(kSnapshot, m.view));
  ASSERT_FALSE(m.view.venues.empty());
  m.view.venues[0].up = true;
  m.view.venues[0].positions = "unanswered";
  const auto lines = layout_screen(m, 160, 24);
  EXPECT_NE(lines[0].text.find("default up (NO ANSWER to the positions request"), std::string::npos)
      << lines[0].text;
  EXPECT_EQ(lines[0].style, LineStyle::title_alarm);
}

TEST(ScreenLayoutTest, BiggerScreensGetWiderBarsAndMoreAlerts) {
  ScreenModel m;
  m.connected = true;
  ASSERT_TRUE(apply_snapshot(kSnapshot, m.view));
  for (int i = 0; i < 30; ++i) m.alerts.push_back("alert " + std::to_string(i));
  const auto small = layout_screen(m, 80, 24);
  const auto big = layout_screen(m, 160, 50);
  ASSERT_EQ(big.size(), 50u);
  std::string screen;
  for (const auto& l : big) screen += l.text + "\n";
  EXPECT_NE(screen.find("alert 5"), std::string::npos);
  EXPECT_NE(screen.find("[" + std::string(8, '-')), std::string::npos) << screen;
}

TEST(ScreenLayoutTest, DisconnectedSaysSo) {
  ScreenModel m;
  m.connection_note = "cannot connect";
  const auto lines = layout_screen(m, 80, 24);
  EXPECT_NE(lines[0].text.find("DISCONNECTED"), std::string::npos);
  EXPECT_EQ(lines[0].style, LineStyle::title_alarm);
}

}  // namespace
}  // namespace ballast::console
