// The hot path as three agents joined by SPSC links: market data -> engine -> orders,
// with execution reports flowing back to the engine. Agents are templates over the link
// type so the benchmark can run the very same pipeline over mutex+condvar queues as a
// baseline. Pipeline wires agents to threads per [[thread]] (pinning, idle strategy).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ballast/core/agent.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/core/control.hpp"
#include "ballast/core/engine_core.hpp"
#include "ballast/core/latency_histogram.hpp"
#include "ballast/core/order_gate.hpp"
#include "ballast/core/spsc_link.hpp"
#include "ballast/core/tick_source.hpp"

namespace ballast {

// Link capacities: ticks buffer a burst (then conflate), orders and reports are few.
// Small on purpose: a ring's slots are written in turn, so a big ring walks through
// memory and evicts the hot path's own data from L1/L2 (4,096 ticks of 96 bytes is
// 384 KiB); conflation, not buffering, is how the md agent absorbs a slow engine.
inline constexpr std::size_t kTickLinkCapacity = 256;
inline constexpr std::size_t kOrderLinkCapacity = 64;
inline constexpr std::size_t kExecLinkCapacity = 128;

struct LockFreeLinks {
  template <typename T, std::size_t N>
  using Link = SpscLink<T, N>;
};

// Per-stage latency of every order that went out, recorded by the order agent after the
// send (off the critical path), in nanoseconds.
struct PipelineLatency {
  LatencyHistogram decode;            // tick read -> on the md ring
  LatencyHistogram hop_md_engine;     // md ring -> engine
  LatencyHistogram engine;            // valuation, trigger, plan
  LatencyHistogram risk;              // pre-trade checks, order on the ring
  LatencyHistogram hop_engine_order;  // order ring -> order agent
  LatencyHistogram encode;            // wire bytes built
  LatencyHistogram send;              // bytes handed to the sink
  LatencyHistogram tick_to_order;     // tick read -> bytes handed to the sink
};

// What the control side may read while the pipeline runs: counters the hot agents
// publish every ~100 ms with relaxed atomic stores (a status line, not an audit trail).
struct PipelineTelemetry {
  std::atomic<std::uint64_t> ticks{0};
  std::atomic<std::uint64_t> orders{0};
  std::atomic<std::uint64_t> fills{0};
  std::atomic<std::uint64_t> rejects{0};
  std::atomic<bool> priced{false};  // every price the book needs has arrived
  std::atomic<double> nav{0.0};
  std::atomic<double> max_abs_drift{0.0};
  // Bit v: venue v's positions are being asked for / went unanswered ([recovery]).
  std::atomic<std::uint32_t> venues_asking{0};
  std::atomic<std::uint32_t> venues_unanswered{0};
  std::atomic<std::uint32_t> venues_answered{0};  // answered at least once
  std::atomic<std::uint64_t> position_mismatches{0};
  std::atomic<std::uint64_t> position_answers{0};
  std::atomic<std::uint64_t> tick_to_order_p50_ns{0};
  std::atomic<std::uint64_t> tick_to_order_p99_ns{0};
  std::atomic<std::uint64_t> tick_to_order_count{0};
};

// Publishing cadence, in TSC ticks (set from the calibrated rate at construction).
[[nodiscard]] inline std::uint64_t telemetry_period_ticks() noexcept {
  return static_cast<std::uint64_t>(100'000'000.0 / TscClock::ns_per_tick());
}

template <typename TickLink>
class MarketDataAgent final : public Agent {
 public:
  MarketDataAgent(TickSource& source, TickLink& out, std::size_t instruments) noexcept
      : source_(source), out_(out), instruments_(instruments) {}

  int do_work() noexcept override {
    int work = flush_pending();
    if (!enabled_.load(std::memory_order_acquire) || source_.exhausted()) {
      if (pending_count_ == 0) finished_.store(true, std::memory_order_release);
      return work;
    }
    const std::int64_t now_ns = monotonic_now();
    MarketTick tick;
    for (int k = 0; k < kBatch && source_.poll(now_ns, tick); ++k) {
      if (tick.recv_tsc == 0) tick.recv_tsc = TscClock::now();
      ++read_;
      publish(tick);
      ++work;
    }
    return work;
  }
  [[nodiscard]] const char* role_name() const noexcept override { return "md"; }

  // Stops reading the source (shutdown: what was read still goes through).
  void disable() noexcept { enabled_.store(false, std::memory_order_release); }
  [[nodiscard]] bool idle() const noexcept { return pending_count_ == 0; }
  [[nodiscard]] std::uint64_t ticks_read() const noexcept { return read_; }
  [[nodiscard]] std::uint64_t conflated() const noexcept { return conflated_; }
  [[nodiscard]] std::uint64_t invalid() const noexcept { return invalid_; }
  // Safe to read from any thread: ticks the engine will see (read - conflated), and
  // whether the source is used up with nothing held back.
  [[nodiscard]] std::uint64_t ticks_published() const noexcept {
    return published_.load(std::memory_order_acquire);
  }
  [[nodiscard]] bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }

 private:
  static constexpr int kBatch = 16;

  static std::int64_t monotonic_now() noexcept { return TscClock::to_ns(TscClock::now()); }

  // When the engine falls behind the ring fills; then the latest tick per instrument
  // waits here (older ones for the same instrument are conflated and counted), so memory
  // stays bounded and nothing is dropped silently.
  void publish(MarketTick& tick) noexcept {
    tick.pushed_tsc = TscClock::now();
    if (tick.instrument >= instruments_) {  // a source bug, not a market event: count it
      ++invalid_;
      return;
    }
    if (pending_count_ == 0 && out_.try_push(tick)) {
      published_.store(published_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
      return;
    }
    const std::size_t i = tick.instrument;
    if (has_pending_[i]) {
      ++conflated_;
    } else {
      has_pending_[i] = true;
      ++pending_count_;
    }
    pending_[i] = tick;
  }

  int flush_pending() noexcept {
    if (pending_count_ == 0) return 0;
    int work = 0;
    for (std::size_t i = 0; i < instruments_ && pending_count_ > 0; ++i) {
      if (!has_pending_[i]) continue;
      pending_[i].pushed_tsc = TscClock::now();
      if (!out_.try_push(pending_[i])) break;
      has_pending_[i] = false;
      --pending_count_;
      published_.store(published_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
      ++work;
    }
    return work;
  }

  TickSource& source_;
  TickLink& out_;
  std::size_t instruments_;
  std::atomic<bool> enabled_{true};
  std::array<MarketTick, kMaxInstruments> pending_{};
  std::array<bool, kMaxInstruments> has_pending_{};
  std::size_t pending_count_ = 0;
  std::uint64_t read_ = 0;
  std::uint64_t conflated_ = 0;
  std::uint64_t invalid_ = 0;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<bool> finished_{false};
};

template <typename TickLink, typename OrderLink, typename ExecLink>
class EngineAgent final : public Agent {
 public:
  EngineAgent(EngineCore& core, TickLink& ticks, OrderLink& orders, ExecLink& reports) noexcept
      : core_(core), ticks_(ticks), orders_(orders), reports_(reports) {}

  int do_work() noexcept override {
    int work = 0;
    // Reports first: fills change positions before the next tick is judged.
    ExecReport report;
    while (reports_.try_pop(report)) {
      core_.on_exec(report);
      ++work;
    }
    work += flush_orders();
    if (pending_orders_ == 0) {
      // After a reconnect: ask where the orders in flight at the drop stand.
      const std::size_t q = core_.take_status_queries(out_.data(), out_.size());
      if (q > 0) {
        pending_orders_ = q;
        next_order_ = 0;
        work += static_cast<int>(q) + flush_orders();
      }
    }
    // The operator between batches, whatever the load: a kill waits for at most one
    // batch of kBatch ticks (and the orders they caused), never for a quiet market.
    if (control_ != nullptr && pending_orders_ == 0) work += poll_control();
    MarketTick tick;
    for (int k = 0; k < kBatch && pending_orders_ == 0 && ticks_.try_pop(tick); ++k) {
      const std::uint64_t popped = TscClock::now();
      const std::size_t n = core_.on_tick(tick, popped, out_.data(), out_.size());
      for (std::size_t j = 0; j < n; ++j) {
        out_[j].stamps.tick_pushed = tick.pushed_tsc;
        out_[j].tick_flags = tick.flags;
      }
      pending_orders_ = n;
      next_order_ = 0;
      work += 1 + flush_orders();
      if ((tick.flags & kTickWarmup) == 0)
        tick_latency_.record(
            static_cast<std::uint64_t>(TscClock::delta_ns(tick.recv_tsc, TscClock::now())));
    }
    if (core_.settled() && pending_orders_ == 0)
      settled_ticks_.store(core_.stats().ticks, std::memory_order_release);
    if (work == 0 && telemetry_ != nullptr) maybe_publish();
    return work;
  }
  [[nodiscard]] const char* role_name() const noexcept override { return "engine"; }
  void publish_to(PipelineTelemetry* t) noexcept { telemetry_ = t; }
  // The operator's control channel (control.hpp); call before the thread starts. The
  // snapshot (~10 KB) is allocated here, so do_work never allocates.
  void attach_control(ControlPort* port) {
    control_ = port;
    if (port != nullptr && !snapshot_) snapshot_ = std::make_unique<EngineSnapshot>();
    if (port != nullptr && !command_) command_ = std::make_unique<ControlCommand>();
  }
  [[nodiscard]] std::uint64_t commands_applied() const noexcept { return commands_applied_; }

  // Ticks fully handled: processed, and every order they caused is done. The paced
  // benchmark releases the next tick when this catches up with what it sent.
  [[nodiscard]] std::uint64_t settled_ticks() const noexcept {
    return settled_ticks_.load(std::memory_order_acquire);
  }
  [[nodiscard]] bool idle() const noexcept { return pending_orders_ == 0; }
  [[nodiscard]] const LatencyHistogram& tick_latency() const noexcept { return tick_latency_; }

 public:
  // Ticks handled between two looks at the control ring (the kill switch's bound).
  static constexpr int kBatch = 32;

 private:
  // Only when idle, and at most every ~100 ms: off the tick-to-order path.
  void maybe_publish() noexcept {
    const std::uint64_t now = TscClock::now();
    if (now - last_publish_ < period_) return;
    last_publish_ = now;
    const EngineStats& s = core_.stats();
    telemetry_->ticks.store(s.ticks, std::memory_order_relaxed);
    telemetry_->orders.store(s.orders, std::memory_order_relaxed);
    telemetry_->fills.store(s.fills, std::memory_order_relaxed);
    telemetry_->rejects.store(s.rejects + s.risk_rejects, std::memory_order_relaxed);
    telemetry_->priced.store(core_.ready(), std::memory_order_relaxed);
    telemetry_->nav.store(core_.valuation().nav, std::memory_order_relaxed);
    telemetry_->max_abs_drift.store(core_.max_abs_drift(), std::memory_order_relaxed);
    std::uint32_t asking = 0, unanswered = 0, answered = 0;
    for (std::size_t v = 0; v < kMaxVenues; ++v) {
      const VenueSync sync = core_.reconciler().state(static_cast<VenueId>(v));
      asking |= (sync == VenueSync::asking ? 1u : 0u) << v;
      unanswered |= (sync == VenueSync::unanswered ? 1u : 0u) << v;
      answered |= (core_.reconciler().answered(static_cast<VenueId>(v)) ? 1u : 0u) << v;
    }
    telemetry_->venues_answered.store(answered, std::memory_order_relaxed);
    telemetry_->venues_asking.store(asking, std::memory_order_relaxed);
    telemetry_->venues_unanswered.store(unanswered, std::memory_order_relaxed);
    telemetry_->position_mismatches.store(core_.reconciler().mismatches(),
                                          std::memory_order_relaxed);
    telemetry_->position_answers.store(core_.reconciler().answers(), std::memory_order_relaxed);
  }

  // At most one command per round; its reply, its cancel requests (queued like any
  // order) and a fresh snapshot right after it. Otherwise a snapshot every period, under
  // load too (a ~10 KB copy every 100 ms: off every tick but one in that period). The
  // empty-ring check reads the producer's index, a line the control thread rarely writes.
  int poll_control() noexcept {
    int work = 0;
    if (has_reply_) {  // the control thread has not read the last reply yet
      if (!control_->replies.try_push(reply_)) return 0;
      has_reply_ = false;
      ++work;
    }
    const std::uint64_t now = TscClock::now();
    if (control_->commands.try_pop(*command_)) {
      ++commands_applied_;
      const std::size_t n = core_.apply_control(*command_, reply_, out_.data(), out_.size());
      has_reply_ = !control_->replies.try_push(reply_);
      pending_orders_ = n;
      next_order_ = 0;
      work += 1 + static_cast<int>(n) + flush_orders();
      publish_snapshot(now);
      return work;
    }
    const auto period_ns = control_->snapshot_period_ns.load(std::memory_order_relaxed);
    const auto period_ticks =
        static_cast<std::uint64_t>(static_cast<double>(period_ns) / TscClock::ns_per_tick());
    if (now - last_snapshot_ >= period_ticks) publish_snapshot(now);
    return work;
  }

  void publish_snapshot(std::uint64_t now) noexcept {
    last_snapshot_ = now;
    core_.fill_snapshot(*snapshot_);
    snapshot_->version = ++snapshots_published_;
    control_->snapshot.store(*snapshot_);
  }

  // An order that does not fit the ring waits here; new ticks wait until it is out.
  int flush_orders() noexcept {
    int work = 0;
    while (next_order_ < pending_orders_) {
      if (!orders_.try_push(out_[next_order_])) return work;
      ++next_order_;
      ++work;
    }
    pending_orders_ = 0;
    next_order_ = 0;
    return work;
  }

  EngineCore& core_;
  TickLink& ticks_;
  OrderLink& orders_;
  ExecLink& reports_;
  std::array<OrderRequest, kMaxInstruments> out_{};
  std::size_t pending_orders_ = 0;
  std::size_t next_order_ = 0;
  LatencyHistogram tick_latency_;  // tick read -> engine done, every tick
  std::atomic<std::uint64_t> settled_ticks_{0};
  PipelineTelemetry* telemetry_ = nullptr;
  ControlPort* control_ = nullptr;
  std::unique_ptr<EngineSnapshot> snapshot_;  // filled in place, then copied into the seqlock
  std::unique_ptr<ControlCommand> command_;   // a reload carries whole tables: not on the stack
  ControlReply reply_{};
  bool has_reply_ = false;
  std::uint64_t last_snapshot_ = 0;
  std::uint64_t snapshots_published_ = 0;
  std::uint64_t commands_applied_ = 0;
  std::uint64_t period_ = telemetry_period_ticks();
  std::uint64_t last_publish_ = 0;
};

template <typename OrderLink, typename ExecLink>
class OrderAgent final : public Agent {
 public:
  OrderAgent(OrderSink& sink, OrderLink& orders, ExecLink& reports) noexcept
      : sink_(sink), orders_(orders), reports_(reports) {}

  int do_work() noexcept override {
    int work = flush_reports();
    OrderRequest order;
    while (orders_.try_pop(order)) {
      order.stamps.order_popped = TscClock::now();
      // A query that cannot go out is not an order reject: the session is down, and its
      // session_down makes the engine ask again after the next logon (a positions request
      // unanswered in [recovery] timeout_s is asked again).
      if (!sink_.send(order)) {
        if (order.kind == RequestKind::cancel)
          refuse_cancel(order);
        else if (order.kind == RequestKind::new_order || order.kind == RequestKind::modify)
          reject(order);
      }
      ++sent_;
      // Only an order a tick caused has a tick-to-order: queries (status, positions) and a
      // kill's cancels start from no tick (their stamps would read as decades).
      if ((order.tick_flags & kTickWarmup) == 0 && order.stamps.tick_recv != 0)
        record(order.stamps);
      ++work;
    }
    std::array<ExecReport, 16> batch;
    const std::size_t room = held_.size() - report_count_;
    const std::size_t n =
        sink_.poll_reports(batch.data(), room < batch.size() ? room : batch.size());
    for (std::size_t k = 0; k < n; ++k) queue_report(batch[k]);
    work += static_cast<int>(n) + flush_reports();
    // Keep the encoder's lines warm, but rarely: on an SMT sibling, constant warming would
    // steal issue slots from the engine thread next door.
    if (work == 0 && ++idle_rounds_ % kWarmEvery == 0) {
      sink_.warm();
      if (telemetry_ != nullptr && TscClock::now() - last_publish_ > period_) {
        last_publish_ = TscClock::now();
        telemetry_->tick_to_order_p50_ns.store(latency_.tick_to_order.percentile(50),
                                               std::memory_order_relaxed);
        telemetry_->tick_to_order_p99_ns.store(latency_.tick_to_order.percentile(99),
                                               std::memory_order_relaxed);
        telemetry_->tick_to_order_count.store(latency_.tick_to_order.count(),
                                              std::memory_order_relaxed);
      }
    }
    return work;
  }
  void publish_to(PipelineTelemetry* t) noexcept { telemetry_ = t; }
  [[nodiscard]] const char* role_name() const noexcept override { return "orders"; }
  void wait_for_work() noexcept override {
    if constexpr (requires(OrderLink & l) { l.wait_nonempty(); }) orders_.wait_nonempty();
  }

  [[nodiscard]] const PipelineLatency& latency() const noexcept { return latency_; }
  [[nodiscard]] std::uint64_t orders_sent() const noexcept { return sent_; }
  [[nodiscard]] std::uint64_t reports_lost() const noexcept { return reports_lost_; }
  [[nodiscard]] bool idle() const noexcept { return report_count_ == 0; }

 private:
  void record(const StageStamps& s) noexcept {
    auto ns = [](std::uint64_t a, std::uint64_t b) {
      return static_cast<std::uint64_t>(TscClock::delta_ns(a, b));
    };
    latency_.decode.record(ns(s.tick_recv, s.tick_pushed));
    latency_.hop_md_engine.record(ns(s.tick_pushed, s.engine_popped));
    latency_.engine.record(ns(s.engine_popped, s.planned));
    latency_.risk.record(ns(s.planned, s.risk_done));
    latency_.hop_engine_order.record(ns(s.risk_done, s.order_popped));
    latency_.encode.record(ns(s.order_popped, s.encoded));
    latency_.send.record(ns(s.encoded, s.sent));
    latency_.tick_to_order.record(ns(s.tick_recv, s.sent));
  }

  void reject(const OrderRequest& order) noexcept {
    ExecReport r;
    r.client_order_id = order.client_order_id;
    r.instrument = order.instrument;
    r.side = order.side;
    r.kind = ExecKind::rejected;
    queue_report(r);
  }

  // A cancel that could not go out leaves its order as it was: reported the way a venue
  // refuses a cancel (an ack with the flag), never as a reject of the order itself.
  void refuse_cancel(const OrderRequest& cancel) noexcept {
    ExecReport r;
    r.client_order_id = cancel.client_order_id;
    r.instrument = cancel.instrument;
    r.side = cancel.side;
    r.kind = ExecKind::ack;
    r.reject_code = kRejectCodeCancelRefused;
    queue_report(r);
  }

  // Straight onto the ring when nothing waits; otherwise reports wait here, in order. When
  // even this is full (the engine stopped reading) the sink is no longer polled, so the
  // venue holds them: reports are never dropped.
  void queue_report(const ExecReport& r) noexcept {
    if (report_count_ == 0 && reports_.try_push(r)) return;
    if (report_count_ == held_.size()) {  // cannot happen while polling respects `room`
      ++reports_lost_;
      return;
    }
    held_[(report_head_ + report_count_++) % held_.size()] = r;
  }
  int flush_reports() noexcept {
    int work = 0;
    while (report_count_ > 0 && reports_.try_push(held_[report_head_])) {
      report_head_ = (report_head_ + 1) % held_.size();
      --report_count_;
      ++work;
    }
    return work;
  }

  static constexpr std::uint32_t kWarmEvery = 64;
  OrderSink& sink_;
  OrderLink& orders_;
  ExecLink& reports_;
  std::uint32_t idle_rounds_ = 0;
  PipelineTelemetry* telemetry_ = nullptr;
  std::uint64_t period_ = telemetry_period_ticks();
  std::uint64_t last_publish_ = 0;
  PipelineLatency latency_;
  std::array<ExecReport, 256> held_{};
  std::size_t report_head_ = 0;
  std::size_t report_count_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t reports_lost_ = 0;
};

// Owns the links and agents and runs them on threads per the [[thread]] layout.
template <typename Links = LockFreeLinks>
class Pipeline {
 public:
  using TickLink = typename Links::template Link<MarketTick, kTickLinkCapacity>;
  using OrderLink = typename Links::template Link<OrderRequest, kOrderLinkCapacity>;
  using ExecLink = typename Links::template Link<ExecReport, kExecLinkCapacity>;

  Pipeline(EngineCore& core, TickSource& source, OrderSink& sink, std::size_t instruments)
      : ticks_(std::make_unique<TickLink>()),
        orders_(std::make_unique<OrderLink>()),
        reports_(std::make_unique<ExecLink>()),
        md_(std::make_unique<MarketDataAgent<TickLink>>(source, *ticks_, instruments)),
        engine_(std::make_unique<EngineAgent<TickLink, OrderLink, ExecLink>>(core, *ticks_,
                                                                             *orders_, *reports_)),
        orders_agent_(
            std::make_unique<OrderAgent<OrderLink, ExecLink>>(sink, *orders_, *reports_)) {}

  // Counters for a status line; call before start().
  void publish_telemetry(PipelineTelemetry* t) noexcept {
    engine_->publish_to(t);
    orders_agent_->publish_to(t);
  }

  // The operator's control channel: commands in, snapshots out; call before start().
  void attach_control(ControlPort* port) { engine_->attach_control(port); }

  // blocking_orders: the order thread sleeps on its queue's condition variable when idle
  // (the baseline); otherwise every thread idles per its spec.
  void start(const std::vector<ThreadSpec>& layout, bool blocking_orders = false) {
    for (const ThreadSpec& spec : layout) {
      std::vector<Agent*> agents;
      bool has_orders = false;
      for (AgentKind k : spec.agents) {
        if (k == AgentKind::market_data) agents.push_back(md_.get());
        if (k == AgentKind::engine) agents.push_back(engine_.get());
        if (k == AgentKind::orders) {
          agents.push_back(orders_agent_.get());
          has_orders = true;
        }
      }
      threads_.push_back(
          std::make_unique<AgentThread>(spec.name, std::move(agents), spec.cpu, spec.idle,
                                        blocking_orders && has_orders && spec.agents.size() == 1));
    }
    for (auto& t : threads_) t->start();
  }

  // Shutdown, step 1: read no more market data. What is in flight still completes.
  void stop_reading() noexcept { md_->disable(); }
  // From any thread: the md agent holds nothing back and the engine has handled every
  // tick it was given, with every order those ticks caused done (settled_ticks is only
  // published when nothing is in flight).
  [[nodiscard]] bool drained() const noexcept {
    const std::uint64_t published = md_->ticks_published();
    return md_->finished() && engine_->settled_ticks() == published;
  }
  void stop() {
    for (auto& t : threads_) t->stop();
    for (auto& t : threads_) t->join();
  }

  [[nodiscard]] const MarketDataAgent<TickLink>& md() const noexcept { return *md_; }
  [[nodiscard]] const EngineAgent<TickLink, OrderLink, ExecLink>& engine() const noexcept {
    return *engine_;
  }
  [[nodiscard]] const OrderAgent<OrderLink, ExecLink>& orders() const noexcept {
    return *orders_agent_;
  }
  [[nodiscard]] std::vector<std::string> describe_threads() const {
    std::vector<std::string> out;
    for (const auto& t : threads_) out.push_back(t->describe());
    return out;
  }

 private:
  std::unique_ptr<TickLink> ticks_;
  std::unique_ptr<OrderLink> orders_;
  std::unique_ptr<ExecLink> reports_;
  std::unique_ptr<MarketDataAgent<TickLink>> md_;
  std::unique_ptr<EngineAgent<TickLink, OrderLink, ExecLink>> engine_;
  std::unique_ptr<OrderAgent<OrderLink, ExecLink>> orders_agent_;
  std::vector<std::unique_ptr<AgentThread>> threads_;
};

}  // namespace ballast
