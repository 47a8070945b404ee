// The persistent worker pool of workers.h. Why not OpenMP for the fan-in kernel (measured on this 2-core VM,
// 4096→4096 at 90%, batch 1, 2 threads, ~0.18 ms of work per call; medians of 300 calls after idle gaps of
// 0 / 0.2 / 2 ms; 1 thread: 0.36 ms):
// * libgomp's default wait policy spins idle threads for ~300,000 pause iterations (milliseconds). With
//   another process on the second core, a region must still wait for its descheduled teammate to arrive at
//   the closing barrier: 6–10 ms per call.
// * A short spin (GOMP_SPINCOUNT=300; OMP_WAIT_POLICY=passive is similar) fixes that, but a worker that fell
//   asleep costs a futex wake per region: 0.21 / 0.24 / 0.25 ms on a quiet machine. These are process-wide
//   settings read once when libgomp loads, so they would change every OpenMP kernel of the addon.
// * This pool, same kernel and moments: 0.19 / 0.19 / 0.23 ms. The caller takes chunks too and never waits for
//   a worker that has not started, so a late worker only helps; workers spin (yielding the core every 64
//   pauses, so a busy machine's other threads run) for kSpin after a job, then sleep.
// Under heavy load (load average 5–6 on the 2 cores) no variant beats one thread: OpenMP with the short spin
// and this pool both ran at 0.35–0.43 ms, the pool up to 0.5–1.6 ms in some runs after 2 ms gaps (a worker
// woken into a contended core holds a chunk the caller must wait for).
//
// Protocol. `epoch` is even when a job is published (or none), odd while the submitter rewrites the job.
// A worker announces itself (`active`++), then re-reads `epoch`: the submitter turns it odd and then waits for
// active == 0, so (all seq_cst) a worker either sees the odd epoch and backs off, or is counted and finishes
// before the rewrite. Chunks are claimed from `next`; the caller returns once `done` counts every chunk, and
// a worker that joins after that finds no chunk left and touches no job data.
#include "workers.h"
#include <immintrin.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace tessera {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSpin = std::chrono::microseconds(2000);  // worker spin after a job before it sleeps
constexpr auto kCallerSpin = std::chrono::microseconds(20);  // caller spin on chunks in flight before it sleeps

struct Pool {
  // The job: written only while `epoch` is odd and no worker is active.
  alignas(64) ChunkBody body = nullptr;
  void* ctx = nullptr;
  int64_t n = 0, chunk = 1, chunks = 0;
  int participants = 0;  // workers with id < participants take part
  // Each counter on its own cache line: `next` and `done` change once per chunk on both cores.
  alignas(64) std::atomic<int64_t> next{0};
  alignas(64) std::atomic<int64_t> done{0};
  alignas(64) std::atomic<uint64_t> epoch{0};
  std::atomic<int> active{0};
  // Sleeping: workers wait for a new epoch, the caller for the last chunk.
  std::mutex sleepMutex;
  std::condition_variable jobPosted, jobFinished;
  std::atomic<int> sleepingWorkers{0};
  std::atomic<bool> callerSleeping{false};
  std::mutex submit;  // one job at a time (JS worker threads may share the addon); others run alone
  int started = 0;    // worker threads created (only grows; guarded by `submit`)
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers live for the process
  return *p;
}

void runClaimed(Pool& p) {
  for (;;) {
    const int64_t k = p.next.fetch_add(1);
    if (k >= p.chunks) return;
    p.body(p.ctx, k * p.chunk, std::min(p.n, (k + 1) * p.chunk));
    if (p.done.fetch_add(1) + 1 == p.chunks && p.callerSleeping.load()) {
      std::lock_guard<std::mutex> g(p.sleepMutex);
      p.jobFinished.notify_one();
    }
  }
}

/** The next published epoch after `seen`: spin for kSpin, then sleep until the submitter posts one. */
uint64_t awaitJob(Pool& p, uint64_t seen) {
  const auto until = Clock::now() + kSpin;
  auto fresh = [&](uint64_t e) { return e != seen && (e & 1) == 0; };
  for (int spins = 0;; spins++) {
    const uint64_t e = p.epoch.load();
    if (fresh(e)) return e;
    if (Clock::now() > until) break;
    if (spins % 64 == 63) std::this_thread::yield();  // give the core away if anything else wants it
    else _mm_pause();
  }
  std::unique_lock<std::mutex> lock(p.sleepMutex);
  p.sleepingWorkers.fetch_add(1);
  uint64_t e;
  p.jobPosted.wait(lock, [&] { return fresh(e = p.epoch.load()); });
  p.sleepingWorkers.fetch_sub(1);
  return e;
}

void workerLoop(Pool& p, int id) {
  uint64_t seen = 0;
  for (;;) {
    seen = awaitJob(p, seen);
    p.active.fetch_add(1);
    if (p.epoch.load() == seen && id < p.participants) runClaimed(p);
    p.active.fetch_sub(1);
  }
}

}  // namespace

void runChunks(int64_t n, int64_t chunk, int threads, ChunkBody body, void* ctx) {
  if (n <= 0) return;
  chunk = std::max<int64_t>(1, chunk);
  const int64_t chunks = (n + chunk - 1) / chunk;
  Pool& p = pool();
  std::unique_lock<std::mutex> submit(p.submit, std::try_to_lock);
  if (threads <= 1 || chunks <= 1 || !submit.owns_lock()) return body(ctx, 0, n);
  try {
    for (; p.started < threads - 1; p.started++) std::thread(workerLoop, std::ref(p), p.started).detach();
  } catch (const std::system_error&) {  // no more threads: use those there are
    if (p.started == 0) return body(ctx, 0, n);
  }

  const uint64_t e = p.epoch.load();
  p.epoch.store(e + 1);
  const auto drainUntil = Clock::now() + kCallerSpin;
  while (p.active.load() != 0) {  // a worker leaving the previous job (or preempted while leaving it)
    if (Clock::now() > drainUntil) {
      p.epoch.store(e + 2);  // republish the finished job (no chunk left) and run this one alone
      return body(ctx, 0, n);
    }
    _mm_pause();
  }
  p.body = body, p.ctx = ctx, p.n = n, p.chunk = chunk, p.chunks = chunks, p.participants = std::min(threads - 1, p.started);
  p.next.store(0);
  p.done.store(0);
  p.epoch.store(e + 2);
  if (p.sleepingWorkers.load() > 0) {
    std::lock_guard<std::mutex> g(p.sleepMutex);
    p.jobPosted.notify_all();
  }

  runClaimed(p);
  const auto spinUntil = Clock::now() + kCallerSpin;
  while (p.done.load() < chunks && Clock::now() < spinUntil) _mm_pause();
  if (p.done.load() < chunks) {  // a worker is inside a chunk but off the CPU: sleep so it can have ours
    std::unique_lock<std::mutex> lock(p.sleepMutex);
    p.callerSleeping.store(true);
    p.jobFinished.wait(lock, [&] { return p.done.load() >= chunks; });
    p.callerSleeping.store(false);
  }
}

}  // namespace tessera
