// decide() + record*() + summarize(): submission exactly once per attempt, tracking, backoff,
// suspend, deadline, TTL and deletion, all on a fake clock.
#include <gtest/gtest.h>

#include "flop/api/conditions.hpp"
#include "flop/federatedjob/record.hpp"
#include "flop/federatedjob/summary.hpp"
#include "job_fixtures.hpp"

namespace flop::federatedjob {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::condition;
using testing::contextAt;
using testing::fateJob;
using testing::withFinalizer;

bool hasCondition(const api::FederatedJob& job, std::string_view type) {
  return api::find_condition(job.status.conditions, type) != nullptr;
}

fateflow::QueryResult rowsWith(const std::string& jobId, const std::string& guestState,
                               const std::string& hostState = "") {
  fateflow::QueryResult result;
  fateflow::JobRow guest;
  guest.jobId = jobId;
  guest.role = "guest";
  guest.partyId = 9999;
  guest.status = guestState;
  guest.isInitiator = true;
  fateflow::JobRow host = guest;
  host.role = "host";
  host.partyId = 10000;
  host.status = hostState.empty() ? guestState : hostState;
  host.isInitiator = false;
  result.rows = {host, guest};  // the initiator is not first on purpose
  return result;
}

// Drives one attempt from nothing to "submitted with id" at time t.
void submitAttempt(api::FederatedJob& job, const std::string& jobId, Clock::time_point t) {
  ASSERT_EQ(decide(job, contextAt(t)).kind, ActionKind::RecordAttempt);
  recordAttempt(job, t);
  ASSERT_EQ(decide(job, contextAt(t)).kind, ActionKind::Submit);
  SubmitOutcome outcome;
  outcome.jobId = jobId;
  recordSubmit(job, outcome, t);
  summarize(job, contextAt(t));
}

void observe(api::FederatedJob& job, const fateflow::QueryResult& rows, Clock::time_point t) {
  ASSERT_EQ(decide(job, contextAt(t)).kind, ActionKind::Query);
  recordQuery(job, rows, t);
  summarize(job, contextAt(t));
}

TEST(Decide, FinalizerComesBeforeTheFirstAttempt) {
  auto job = fateJob();
  EXPECT_EQ(decide(job, contextAt(at(0))).kind, ActionKind::AddFinalizer);
}

TEST(Decide, AttemptIsRecordedInStatusBeforeSubmitting) {
  auto job = withFinalizer(fateJob());
  EXPECT_EQ(decide(job, contextAt(at(0))).kind, ActionKind::RecordAttempt);
  recordAttempt(job, at(0));
  ASSERT_EQ(job.status.attempts.size(), 1u);
  EXPECT_EQ(job.status.attempts[0].index, 1);
  EXPECT_FALSE(job.status.attempts[0].fateJobId);
  EXPECT_TRUE(isSubmitting(job.status.attempts[0]));
  EXPECT_EQ(job.status.startTime, "2026-03-01T10:00:00Z");
  summarize(job, contextAt(at(0)));
  EXPECT_EQ(job.status.phase, "Pending");
  EXPECT_EQ(condition(job, "Submitted").status, "False");
  EXPECT_EQ(condition(job, "Reconciling").reason, "Submitting");
  // The next step is Submit, whose executor looks the UID tag up before submitting.
  EXPECT_EQ(decide(job, contextAt(at(0))).kind, ActionKind::Submit);
}

TEST(Decide, AfterARestartWithoutAnIdTheTaggedJobIsAdopted) {
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  // The operator died after submitting; the new process finds the job by its UID tag.
  ASSERT_EQ(decide(job, contextAt(at(30))).kind, ActionKind::Submit);
  SubmitOutcome adopted;
  adopted.kind = SubmitOutcome::Kind::Adopted;
  adopted.jobId = "2026030110000000001";
  adopted.state = "running";
  recordSubmit(job, adopted, at(30));
  summarize(job, contextAt(at(30)));
  EXPECT_EQ(job.status.fateJobId, "2026030110000000001");
  EXPECT_EQ(job.status.attempts.size(), 1u);
  EXPECT_EQ(job.status.phase, "Running");
  // Without the submit answer the model follows FATE's rule: roles → model id, job id → version.
  ASSERT_TRUE(job.status.model);
  EXPECT_EQ(job.status.model->modelId, "arbiter-10000#guest-9999#host-10000#model");
  EXPECT_EQ(job.status.model->modelVersion, "2026030110000000001");
  EXPECT_EQ(decide(job, contextAt(at(30))).kind, ActionKind::Query);
}

TEST(Decide, NeverSubmitsWhileAnIdIsStored) {
  auto job = withFinalizer(fateJob());
  submitAttempt(job, "j1", at(0));
  for (int t : {0, 1, 100, 10000}) {
    auto kind = decide(job, contextAt(at(t))).kind;
    EXPECT_NE(kind, ActionKind::Submit) << t;
    EXPECT_NE(kind, ActionKind::RecordAttempt) << t;
  }
}

TEST(Decide, WaitingIsQueuedNotFailed) {
  auto job = withFinalizer(fateJob());
  submitAttempt(job, "j1", at(0));
  observe(job, rowsWith("j1", "waiting"), at(2));
  EXPECT_EQ(job.status.phase, "Queued");
  EXPECT_EQ(condition(job, "Queued").status, "True");
  EXPECT_EQ(condition(job, "Queued").reason, "FateJobWaiting");
  EXPECT_EQ(condition(job, "Failed").status, "False");
  EXPECT_EQ(condition(job, "Submitted").status, "True");
  EXPECT_FALSE(hasCondition(job, "Stalled"));
  EXPECT_EQ(job.status.parties.size(), 2u);
}

TEST(Decide, InitiatorRowIsAuthoritativeOthersAreDiagnostics) {
  auto job = withFinalizer(fateJob());
  submitAttempt(job, "j1", at(0));
  observe(job, rowsWith("j1", "running", "failed"), at(2));
  EXPECT_EQ(job.status.phase, "Running");
  EXPECT_EQ(job.status.attempts[0].state, "running");
  bool sawHostFailed = false;
  for (const auto& party : job.status.parties) {
    sawHostFailed |= party.role == "host" && party.state == "failed";
  }
  EXPECT_TRUE(sawHostFailed);
}

TEST(Decide, PollsOncePerRoundOnAGrowingInterval) {
  auto job = withFinalizer(fateJob());
  submitAttempt(job, "j1", at(0));
  auto context = contextAt(at(5));
  context.round.polled = true;
  Action action = decide(job, context);
  EXPECT_EQ(action.kind, ActionKind::None);
  EXPECT_EQ(action.requeueAfter, Clock::duration(2s));  // young attempt: pollMin
  context.now = at(150);
  EXPECT_EQ(decide(job, context).requeueAfter, Clock::duration(15s));  // age / 10
  context.now = at(5000);
  EXPECT_EQ(decide(job, context).requeueAfter, Clock::duration(30s));  // capped at pollMax
}

TEST(Decide, StatusWritesDoNotCausePollsBeforeTheInterval) {
  auto job = withFinalizer(fateJob());
  submitAttempt(job, "j1", at(0));
  observe(job, rowsWith("j1", "running"), at(100));  // age 100 s → interval 10 s
  Action early = decide(job, contextAt(at(104)));
  EXPECT_EQ(early.kind, ActionKind::None);
  EXPECT_EQ(early.requeueAfter, Clock::duration(6s));
  EXPECT_EQ(decide(job, contextAt(at(111))).kind, ActionKind::Query);
}

TEST(Decide, DeadlineBeforeTheIdWasStoredLooksTheTagUpThenFails) {
  auto job = withFinalizer(fateJob());
  job.spec.runPolicy = api::RunPolicy{};
  job.spec.runPolicy->activeDeadlineSeconds = 30;
  recordAttempt(job, at(0));
  Action adopt = decide(job, contextAt(at(31)));
  ASSERT_EQ(adopt.kind, ActionKind::Adopt);
  EXPECT_EQ(adopt.stopCause, StopCause::Deadline);
  recordAdopt(job, std::nullopt, adopt.stopCause, at(31));
  summarize(job, contextAt(at(31)));
  EXPECT_EQ(job.status.phase, "Failed");
  EXPECT_EQ(condition(job, "Failed").reason, "DeadlineExceeded");
}

TEST(Decide, SuccessRecordsCompletionRemovesFinalizerAndIsReady) {
  auto job = withFinalizer(fateJob());
  submitAttempt(job, "j1", at(0));
  auto rows = rowsWith("j1", "success");
  rows.rows[1].endTimeMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(at(50).time_since_epoch()).count();
  observe(job, rows, at(60));
  EXPECT_EQ(job.status.phase, "Succeeded");
  EXPECT_EQ(job.status.attempts[0].completionTime, "2026-03-01T10:00:50Z");
  EXPECT_EQ(job.status.completionTime, "2026-03-01T10:01:00Z");
  EXPECT_EQ(condition(job, "Succeeded").status, "True");
  EXPECT_EQ(condition(job, "Ready").status, "True");
  EXPECT_FALSE(hasCondition(job, "Reconciling"));
  EXPECT_FALSE(hasCondition(job, "Stalled"));
  EXPECT_EQ(decide(job, contextAt(at(61))).kind, ActionKind::RemoveFinalizer);
  job.metadata.finalizers.clear();
  EXPECT_EQ(decide(job, contextAt(at(61))).kind, ActionKind::None);
}

TEST(Decide, BackoffLimitTwoGivesThreeAttemptsWithThreeJobIds) {
  auto job = withFinalizer(fateJob());
  job.spec.runPolicy = api::RunPolicy{};
  job.spec.runPolicy->backoffLimit = 2;
  int t = 0;
  for (const char* id : {"j1", "j2", "j3"}) {
    submitAttempt(job, id, at(t));
    observe(job, rowsWith(id, "failed"), at(t + 5));
    t += 5;
    if (std::string(id) != "j3") {
      EXPECT_EQ(job.status.phase, "Pending");
      EXPECT_EQ(condition(job, "Reconciling").reason, "BackoffRetry");
      // Exponential delay before the next attempt: 10 s after the first failure, then 20 s.
      Action wait = decide(job, contextAt(at(t)));
      EXPECT_EQ(wait.kind, ActionKind::None);
      auto expected = id == std::string("j1") ? 10s : 20s;
      EXPECT_EQ(wait.requeueAfter, Clock::duration(expected));
      t += static_cast<int>(expected.count());
    }
  }
  ASSERT_EQ(job.status.attempts.size(), 3u);
  EXPECT_EQ(job.status.attempts[0].fateJobId, "j1");
  EXPECT_EQ(job.status.attempts[1].fateJobId, "j2");
  EXPECT_EQ(job.status.attempts[2].fateJobId, "j3");
  EXPECT_EQ(job.status.phase, "Failed");
  EXPECT_EQ(condition(job, "Failed").reason, "FateJobFailed");
  EXPECT_NE(condition(job, "Failed").message.find("backoffLimit 2 exhausted after 3"),
            std::string::npos);
  EXPECT_EQ(condition(job, "Stalled").status, "True");
  EXPECT_EQ(condition(job, "Ready").status, "False");
  EXPECT_EQ(decide(job, contextAt(at(t + 1000))).kind, ActionKind::RemoveFinalizer);
}

TEST(Decide, DefaultBackoffLimitIsZero) {
  auto job = withFinalizer(fateJob());
  submitAttempt(job, "j1", at(0));
  observe(job, rowsWith("j1", "timeout"), at(5));
  EXPECT_EQ(job.status.phase, "Failed");
  EXPECT_EQ(condition(job, "Failed").reason, "FateJobTimeout");
}

TEST(Decide, RejectedSubmissionCountsAsAFailedAttempt) {
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  SubmitOutcome rejected;
  rejected.kind = SubmitOutcome::Kind::Rejected;
  rejected.jobId = "j-bad";
  rejected.retcode = 103;
  rejected.retmsg = "Traceback: invalid dsl";
  recordSubmit(job, rejected, at(0));
  summarize(job, contextAt(at(0)));
  EXPECT_EQ(job.status.phase, "Failed");
  EXPECT_EQ(condition(job, "Failed").reason, "SubmitFailed");
  EXPECT_NE(condition(job, "Failed").message.find("retcode 103"), std::string::npos);
  EXPECT_FALSE(job.status.fateJobId);  // never a running job
}

TEST(Decide, AJobFateFlowForgotIsLostAndCountsAsAFailure) {
  auto job = withFinalizer(fateJob());
  submitAttempt(job, "j1", at(0));
  observe(job, fateflow::QueryResult{}, at(3));
  EXPECT_EQ(job.status.attempts[0].state, "lost");
  EXPECT_EQ(condition(job, "Failed").reason, "FateJobLost");
}

TEST(Decide, SuspendStopsTheJobAndResumeStartsANewAttemptWithoutBackoff) {
  auto job = withFinalizer(fateJob());
  job.spec.runPolicy = api::RunPolicy{};
  job.spec.runPolicy->activeDeadlineSeconds = 600;
  submitAttempt(job, "j1", at(0));
  observe(job, rowsWith("j1", "running"), at(5));

  job.spec.runPolicy->suspend = true;
  Action stop = decide(job, contextAt(at(10)));
  ASSERT_EQ(stop.kind, ActionKind::Stop);
  EXPECT_EQ(stop.stopCause, StopCause::Suspend);
  fateflow::Envelope confirmed;
  EXPECT_TRUE(recordStop(job, confirmed, StopCause::Suspend, at(10)));
  summarize(job, contextAt(at(10)));
  EXPECT_EQ(job.status.phase, "Suspended");
  EXPECT_EQ(condition(job, "Ready").reason, "Suspended");
  EXPECT_FALSE(hasCondition(job, "Reconciling"));
  EXPECT_EQ(failedAttempts(job.status), 0);
  EXPECT_EQ(decide(job, contextAt(at(1000))).kind, ActionKind::None);  // not even the deadline

  job.spec.runPolicy->suspend = false;
  EXPECT_EQ(decide(job, contextAt(at(2000))).kind, ActionKind::RecordAttempt);
  recordAttempt(job, at(2000));
  // The deadline clock restarts on resume.
  EXPECT_EQ(job.status.startTime, api::format_time(at(2000)));
  EXPECT_EQ(job.status.attempts.size(), 2u);
}

TEST(Decide, SuspendBeforeTheIdWasStoredLooksTheTagUpFirst) {
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  job.spec.runPolicy = api::RunPolicy{};
  job.spec.runPolicy->suspend = true;
  EXPECT_EQ(decide(job, contextAt(at(1))).kind, ActionKind::Adopt);
  recordAdopt(job, std::nullopt, StopCause::Suspend, at(1));
  summarize(job, contextAt(at(1)));
  EXPECT_EQ(job.status.phase, "Suspended");
  EXPECT_EQ(failedAttempts(job.status), 0);
}

TEST(Decide, StopNotConfirmedIsRetriedLaterNotInALoop) {
  auto job = withFinalizer(fateJob());
  submitAttempt(job, "j1", at(0));
  job.spec.runPolicy = api::RunPolicy{};
  job.spec.runPolicy->suspend = true;
  fateflow::Envelope unconfirmed;
  unconfirmed.retcode = 103;
  unconfirmed.retmsg = "stop job on all party failed";
  EXPECT_FALSE(recordStop(job, unconfirmed, StopCause::Suspend, at(1)));
  EXPECT_TRUE(isActive(job.status.attempts[0]));
  auto context = contextAt(at(1));
  context.round.stopFailed = true;
  Action later = decide(job, context);
  EXPECT_EQ(later.kind, ActionKind::None);
  EXPECT_EQ(later.requeueAfter, Clock::duration(10s));
  EXPECT_EQ(decide(job, contextAt(at(11))).kind, ActionKind::Stop);
}

class Deadline : public ::testing::Test {
 protected:
  void SetUp() override {
    job = withFinalizer(fateJob());
    job.spec.runPolicy = api::RunPolicy{};
    job.spec.runPolicy->activeDeadlineSeconds = 60;
    submitAttempt(job, "j1", at(0));
    observe(job, rowsWith("j1", "running"), at(1));
  }
  api::FederatedJob job;
};

TEST_F(Deadline, OneSecondBeforeTheDeadlineTheJobKeepsRunning) {
  auto context = contextAt(at(59));
  context.round.polled = true;
  Action action = decide(job, context);
  EXPECT_EQ(action.kind, ActionKind::None);
  EXPECT_EQ(action.requeueAfter, Clock::duration(1s));  // wakes exactly at the deadline
  summarize(job, context);
  EXPECT_EQ(job.status.phase, "Running");
}

TEST_F(Deadline, AtTheDeadlineTheJobIsStoppedAndFails) {
  Action stop = decide(job, contextAt(at(60)));
  ASSERT_EQ(stop.kind, ActionKind::Stop);
  EXPECT_EQ(stop.stopCause, StopCause::Deadline);
  recordStop(job, fateflow::Envelope{}, StopCause::Deadline, at(60));
  summarize(job, contextAt(at(60)));
  EXPECT_EQ(job.status.phase, "Failed");
  EXPECT_EQ(condition(job, "Failed").reason, "DeadlineExceeded");
  EXPECT_EQ(job.status.completionTime, api::format_time(at(60)));
  // Terminal failure is kstatus Failed: Stalled=True besides Ready=False, on every later summary.
  summarize(job, contextAt(at(3600)));
  EXPECT_EQ(condition(job, "Stalled").status, "True");
  EXPECT_EQ(condition(job, "Stalled").reason, "DeadlineExceeded");
  EXPECT_EQ(condition(job, "Ready").status, "False");
  EXPECT_FALSE(hasCondition(job, "Reconciling"));
}

TEST_F(Deadline, OneSecondAfterTheDeadlineAlsoStops) {
  EXPECT_EQ(decide(job, contextAt(at(61))).kind, ActionKind::Stop);
}

TEST_F(Deadline, PassingDuringBackoffFailsWithoutAnotherAttempt) {
  job.spec.runPolicy->backoffLimit = 3;
  observe(job, rowsWith("j1", "failed"), at(50));
  EXPECT_EQ(job.status.phase, "Pending");
  EXPECT_EQ(decide(job, contextAt(at(55))).requeueAfter, Clock::duration(5s));
  EXPECT_EQ(decide(job, contextAt(at(60))).kind, ActionKind::None);
  summarize(job, contextAt(at(60)));
  EXPECT_EQ(job.status.phase, "Failed");
  EXPECT_EQ(condition(job, "Failed").reason, "DeadlineExceeded");
}

class Ttl : public ::testing::Test {
 protected:
  void SetUp() override {
    job = withFinalizer(fateJob());
    job.spec.runPolicy = api::RunPolicy{};
    job.spec.runPolicy->ttlSecondsAfterFinished = 100;
    submitAttempt(job, "j1", at(0));
    observe(job, rowsWith("j1", "success"), at(10));
    job.metadata.finalizers.clear();
  }
  api::FederatedJob job;
};

TEST_F(Ttl, RequeuesForExactlyTheRemainingTime) {
  Action action = decide(job, contextAt(at(50)));
  EXPECT_EQ(action.kind, ActionKind::None);
  EXPECT_EQ(action.requeueAfter, Clock::duration(60s));
  EXPECT_EQ(decide(job, contextAt(at(109))).requeueAfter, Clock::duration(1s));
}

TEST_F(Ttl, DeletesWhenExpired) {
  EXPECT_EQ(decide(job, contextAt(at(110))).kind, ActionKind::DeleteObject);
}

TEST_F(Ttl, DeletesWhenItExpiredWhileTheOperatorWasDown) {
  EXPECT_EQ(decide(job, contextAt(at(100000))).kind, ActionKind::DeleteObject);
}

TEST_F(Ttl, AppliesToFailedJobsToo) {
  auto failed = withFinalizer(fateJob());
  failed.spec.runPolicy = job.spec.runPolicy;
  submitAttempt(failed, "j2", at(0));
  observe(failed, rowsWith("j2", "failed"), at(10));
  failed.metadata.finalizers.clear();
  EXPECT_EQ(decide(failed, contextAt(at(110))).kind, ActionKind::DeleteObject);
}

class Deletion : public ::testing::Test {
 protected:
  void SetUp() override {
    job = withFinalizer(fateJob());
    submitAttempt(job, "j1", at(0));
    observe(job, rowsWith("j1", "running"), at(1));
    job.metadata.deletionTimestamp = api::format_time(at(10));
  }
  api::FederatedJob job;
};

TEST_F(Deletion, WhileRunningStopsThenRemovesTheFinalizer) {
  Action stop = decide(job, contextAt(at(10)));
  ASSERT_EQ(stop.kind, ActionKind::Stop);
  EXPECT_EQ(stop.stopCause, StopCause::Deletion);
  recordStop(job, fateflow::Envelope{}, StopCause::Deletion, at(10));
  EXPECT_EQ(decide(job, contextAt(at(10))).kind, ActionKind::RemoveFinalizer);
}

TEST_F(Deletion, UnknownJobAtStopCountsAsStopped) {
  fateflow::Envelope notFound;
  notFound.retcode = fateflow::retcode::kDataError;
  notFound.retmsg = "can not found job";
  EXPECT_TRUE(recordStop(job, notFound, StopCause::Deletion, at(10)));
  EXPECT_EQ(decide(job, contextAt(at(10))).kind, ActionKind::RemoveFinalizer);
}

TEST_F(Deletion, AbandonAnnotationSkipsTheRemoteStop) {
  job.metadata.annotations[std::string(kAbandonAnnotation)] = "true";
  EXPECT_EQ(decide(job, contextAt(at(10))).kind, ActionKind::RemoveFinalizer);
}

TEST_F(Deletion, RetainPolicyLeavesTheRemoteJob) {
  job.spec.deletionPolicy = "Retain";
  EXPECT_EQ(decide(job, contextAt(at(10))).kind, ActionKind::RemoveFinalizer);
}

TEST_F(Deletion, GivesUpAfterTheCleanupWindow) {
  auto context = contextAt(at(10 + 299));
  context.round.stopFailed = true;
  EXPECT_EQ(decide(job, context).kind, ActionKind::None);
  EXPECT_EQ(decide(job, contextAt(at(10 + 300))).kind, ActionKind::RemoveFinalizer);
}

TEST_F(Deletion, BeforeTheIdWasStoredLooksTheTagUp) {
  auto fresh = withFinalizer(fateJob());
  recordAttempt(fresh, at(0));
  fresh.metadata.deletionTimestamp = api::format_time(at(1));
  EXPECT_EQ(decide(fresh, contextAt(at(1))).kind, ActionKind::Adopt);
  fateflow::JobRow found;
  found.jobId = "j9";
  found.status = "waiting";
  recordAdopt(fresh, found, StopCause::Deletion, at(1));
  EXPECT_EQ(decide(fresh, contextAt(at(1))).kind, ActionKind::Stop);
}

TEST(Decide, InvalidSpecIsStalledAndDoesNothing) {
  auto job = withFinalizer(fateJob());
  job.spec.fate->runtimeConf.erase("initiator");
  EXPECT_EQ(decide(job, contextAt(at(0))).kind, ActionKind::None);
  summarize(job, contextAt(at(0)));
  EXPECT_EQ(condition(job, "Stalled").reason, "InvalidSpec");
  EXPECT_EQ(condition(job, "Validated").status, "False");
  EXPECT_NE(condition(job, "Stalled").message.find("initiator"), std::string::npos);
}

TEST(Decide, SpecChecksNameTheField) {
  auto job = fateJob();
  job.spec.fate->runtimeConf["role"]["host"] = {"abc"};
  EXPECT_EQ(specProblem(job.spec),
            "spec.fate.runtimeConf.role.host holds a party id that is not a number");
  job = fateJob();
  job.spec.fate.reset();
  job.spec.mindspore = api::MindSporeJobSpec{};
  EXPECT_EQ(specProblem(job.spec), "spec.mindspore.hyperParameters must be a non-empty object");
  job.spec.mindspore->hyperParameters = {{"fl_iteration_num", 5}};
  EXPECT_FALSE(specProblem(job.spec));
  EXPECT_FALSE(specProblem(fateJob().spec));
}

TEST(Summarize, FateFlowDownIsAReasonAndRecoveryClearsIt) {
  auto job = withFinalizer(fateJob());
  submitAttempt(job, "j1", at(0));
  summarize(job, contextAt(at(1)),
            Unavailability{"FateFlowUnavailable", "connect to http://fateflow:9380: refused"});
  EXPECT_EQ(condition(job, "Reconciling").reason, "FateFlowUnavailable");
  EXPECT_EQ(condition(job, "Ready").reason, "FateFlowUnavailable");
  EXPECT_EQ(job.status.fateJobId, "j1");  // the attempt is kept, not failed
  observe(job, rowsWith("j1", "running"), at(20));
  EXPECT_EQ(condition(job, "Reconciling").reason, "FateJobRunning");
  EXPECT_EQ(condition(job, "Ready").reason, "FateJobRunning");
}

TEST(Summarize, ObservedGenerationAndTransitionTimesAreStable) {
  auto job = withFinalizer(fateJob());
  job.metadata.generation = 4;
  submitAttempt(job, "j1", at(0));
  EXPECT_EQ(job.status.observedGeneration, 4);
  EXPECT_EQ(condition(job, "Submitted").observedGeneration, 4);
  std::string since = condition(job, "Submitted").lastTransitionTime;
  EXPECT_FALSE(summarize(job, contextAt(at(100))));  // nothing changed: no status write
  EXPECT_EQ(condition(job, "Submitted").lastTransitionTime, since);
}

TEST(Timing, RetryDelayDoublesUpToTheCap) {
  Timing timing;
  EXPECT_EQ(retryDelay(timing, 0), 0s);
  EXPECT_EQ(retryDelay(timing, 1), 10s);
  EXPECT_EQ(retryDelay(timing, 2), 20s);
  EXPECT_EQ(retryDelay(timing, 3), 40s);
  EXPECT_EQ(retryDelay(timing, 10), 300s);
}

TEST(ModelId, FollowsFatesRule) {
  EXPECT_EQ(fateModelId({{"host", {10000, 9998, 10000}}, {"guest", {9999}}, {"arbiter", {1}}}),
            "arbiter-1#guest-9999#host-9998_10000#model");
}

}  // namespace
}  // namespace flop::federatedjob
