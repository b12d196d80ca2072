#include "flop/modelmigration/steps.hpp"

#include <gtest/gtest.h>

#include "flop/modelmigration/naming.hpp"

namespace flop::modelmigration {
namespace {

using Outcome = ObservedJob::Outcome;
using namespace std::chrono_literals;

const Timestamp kNow = Timestamp{} + 1'700'000'000s;
const PartyMigration kGuest{"guest", 9999, 99, 0};

std::string namer(const PartyMigration& party, Step step, int attempt) {
  return jobName("seed", party, step, attempt);
}

ObservedJob job(Step step, int attempt, Outcome outcome, std::string termination = "") {
  ObservedJob j;
  j.step = step;
  j.attempt = attempt;
  j.name = namer(kGuest, step, attempt);
  j.outcome = outcome;
  j.terminationMessage = std::move(termination);
  j.startTime = kNow - 30s;
  if (outcome != Outcome::Active) j.completionTime = kNow - 10s;
  if (outcome == Outcome::Failed) {
    j.failureReason = "BackoffLimitExceeded";
    j.failureMessage = "Job has reached the specified backoff limit";
  }
  return j;
}

PartyState fresh() {
  PartyState state;
  state.party = kGuest;
  return state;
}

TEST(ParseTerminationMessage, ReadsFlModelResult) {
  const auto result = parseTerminationMessage(
      R"({"retcode":0,"retmsg":"success","data":{"sha256":"ab12","bytes":49803,"path":"/workspace/x.zip"}})");
  EXPECT_EQ(result.retcode, 0);
  EXPECT_EQ(result.retmsg, "success");
  EXPECT_EQ(result.sha256, "ab12");
  EXPECT_EQ(result.bytes, 49803);
  EXPECT_EQ(result.artifactPath, "/workspace/x.zip");
}

TEST(ParseTerminationMessage, ReadsTheSinglePartyDetailOfAMigrateResult) {
  auto result = parseTerminationMessage(
      R"({"retcode":0,"retmsg":"success","data":{"detail":{"guest":{"9999":{"retcode":0,)"
      R"("retmsg":"ok","path":"/workspace/migrated/a.zip","sha256":"beef"}}},"guest":{"9999":0}}})");
  EXPECT_EQ(result.sha256, "beef");
  EXPECT_EQ(result.artifactPath, "/workspace/migrated/a.zip");
  result = parseTerminationMessage(
      R"({"retcode":101,"retmsg":"failed","data":{"detail":{"guest":{"9999":{"retcode":100,)"
      R"("retmsg":"Pipeline buffer is corrupt"}}}}})");
  EXPECT_EQ(result.retcode, 101);
  EXPECT_EQ(result.retmsg, "Pipeline buffer is corrupt");
}

TEST(ParseTerminationMessage, GarbageBecomesTheMessage) {
  const auto result = parseTerminationMessage("panic: segfault in converter\n");
  EXPECT_FALSE(result.retcode);
  EXPECT_EQ(result.retmsg, "panic: segfault in converter\n");
  EXPECT_EQ(parseTerminationMessage("   "), StepResult{});
}

TEST(AdvanceParty, FreshPartyStartsTransferAttemptOne) {
  const auto out = advanceParty(fresh(), {}, {}, namer, kNow);
  ASSERT_TRUE(out.create);
  EXPECT_EQ(*out.create, (StepAttempt{Step::Transfer, 1}));
  EXPECT_EQ(out.state.at(Step::Transfer).phase, StepPhase::Running);
  EXPECT_EQ(out.state.at(Step::Transfer).attempts, 1);
  EXPECT_EQ(out.state.at(Step::Transfer).jobName, "seed-guest-9999-transfer-1");
  EXPECT_EQ(out.state.at(Step::Migrate).phase, StepPhase::Pending);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, StepEvent::Kind::Started);
  EXPECT_EQ(out.state.phase(), PartyPhase::Running);
}

TEST(AdvanceParty, WaitsWhileTheJobRuns) {
  auto first = advanceParty(fresh(), {}, {}, namer, kNow);
  const auto out =
      advanceParty(first.state, {job(Step::Transfer, 1, Outcome::Active)}, {}, namer, kNow);
  EXPECT_FALSE(out.create);
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(out.state.at(Step::Transfer).phase, StepPhase::Running);
}

TEST(AdvanceParty, RecordsResultAndMovesToTheNextStepInOrder) {
  auto state = advanceParty(fresh(), {}, {}, namer, kNow).state;
  const auto out = advanceParty(
      state,
      {job(Step::Transfer, 1, Outcome::Succeeded,
           R"({"retcode":0,"retmsg":"success","data":{"sha256":"cafe","bytes":7623}})")},
      {}, namer, kNow);
  EXPECT_EQ(out.state.at(Step::Transfer).phase, StepPhase::Succeeded);
  EXPECT_EQ(out.state.at(Step::Transfer).result.sha256, "cafe");
  EXPECT_EQ(out.state.at(Step::Transfer).result.bytes, 7623);
  ASSERT_TRUE(out.create);
  EXPECT_EQ(*out.create, (StepAttempt{Step::Migrate, 1}));
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[0].kind, StepEvent::Kind::Succeeded);
  EXPECT_EQ(out.events[0].bytes, 7623);
  ASSERT_TRUE(out.events[0].duration);
  EXPECT_DOUBLE_EQ(out.events[0].duration->count(), 20.0);
  EXPECT_EQ(out.events[1].kind, StepEvent::Kind::Started);
  EXPECT_EQ(out.events[1].step, Step::Migrate);
}

TEST(AdvanceParty, FullRunEndsSucceededAfterImport) {
  PartyState state = fresh();
  std::vector<ObservedJob> jobs;
  for (Step step : kStepOrder) {
    auto out = advanceParty(state, jobs, {}, namer, kNow);
    ASSERT_TRUE(out.create);
    EXPECT_EQ(out.create->step, step);
    state = out.state;
    jobs.push_back(job(step, 1, Outcome::Succeeded, R"({"retcode":0,"retmsg":"success"})"));
  }
  const auto done = advanceParty(state, jobs, {}, namer, kNow);
  EXPECT_FALSE(done.create);
  EXPECT_EQ(done.state.phase(), PartyPhase::Succeeded);
}

TEST(AdvanceParty, ImportDisabledEndsAfterMigrate) {
  PartyState state = fresh();
  state.at(Step::Transfer).phase = StepPhase::Succeeded;
  const auto out = advanceParty(state, {job(Step::Migrate, 1, Outcome::Succeeded)},
                                {.maxAttempts = 1, .importEnabled = false}, namer, kNow);
  EXPECT_FALSE(out.create);
  EXPECT_EQ(out.state.at(Step::Import).phase, StepPhase::Skipped);
  EXPECT_EQ(out.state.phase(), PartyPhase::Succeeded);
}

TEST(AdvanceParty, RetriesWithANewAttemptUntilExhausted) {
  const StepPolicy policy{.maxAttempts = 2, .importEnabled = true};
  auto state = advanceParty(fresh(), {}, policy, namer, kNow).state;
  std::vector<ObservedJob> jobs{job(Step::Transfer, 1, Outcome::Failed)};
  auto out = advanceParty(state, jobs, policy, namer, kNow);
  ASSERT_TRUE(out.create);
  EXPECT_EQ(*out.create, (StepAttempt{Step::Transfer, 2}));
  EXPECT_EQ(out.state.at(Step::Transfer).attempts, 2);
  EXPECT_EQ(out.state.at(Step::Transfer).jobName, "seed-guest-9999-transfer-2");
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[0].kind, StepEvent::Kind::Failed);
  EXPECT_EQ(out.events[1].kind, StepEvent::Kind::Retrying);

  jobs.push_back(
      job(Step::Transfer, 2, Outcome::Failed, R"({"retcode":100,"retmsg":"corrupt zip"})"));
  out = advanceParty(out.state, jobs, policy, namer, kNow);
  EXPECT_FALSE(out.create);
  EXPECT_EQ(out.state.at(Step::Transfer).phase, StepPhase::Failed);
  EXPECT_EQ(out.state.at(Step::Transfer).reason, "TransferFailed");
  EXPECT_NE(out.state.at(Step::Transfer).message.find("BackoffLimitExceeded"), std::string::npos);
  EXPECT_NE(out.state.at(Step::Transfer).message.find("corrupt zip"), std::string::npos);
  EXPECT_EQ(out.state.at(Step::Migrate).phase, StepPhase::Pending);
  EXPECT_EQ(out.state.phase(), PartyPhase::Failed);
  ASSERT_EQ(out.events.size(), 1u);

  // Resync after the failure: nothing new, no second Failed event, even with the Job gone.
  const auto again = advanceParty(out.state, {}, policy, namer, kNow);
  EXPECT_FALSE(again.create);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(again.state, out.state);
}

TEST(AdvanceParty, ExitZeroWithFateRetcodeIsAFailure) {
  PartyState state = fresh();
  state.at(Step::Transfer).phase = StepPhase::Succeeded;
  state.at(Step::Migrate).phase = StepPhase::Succeeded;
  state.at(Step::Import).phase = StepPhase::Running;
  state.at(Step::Import).attempts = 1;
  state.at(Step::Import).jobName = namer(kGuest, Step::Import, 1);
  const auto out = advanceParty(
      state,
      {job(Step::Import, 1, Outcome::Succeeded, R"({"retcode":409,"retmsg":"model exists"})")}, {},
      namer, kNow);
  EXPECT_FALSE(out.create);
  EXPECT_EQ(out.state.at(Step::Import).phase, StepPhase::Failed);
  EXPECT_EQ(out.state.at(Step::Import).result.retcode, 409);
  EXPECT_NE(out.state.at(Step::Import).message.find("model exists"), std::string::npos);
}

TEST(AdvanceParty, SucceededStepNeverRunsAgainEvenWhenItsJobIsGone) {
  PartyState state = fresh();
  for (Step step : kStepOrder) state.at(step).phase = StepPhase::Succeeded;
  const auto out = advanceParty(state, {}, {}, namer, kNow);
  EXPECT_FALSE(out.create);
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(out.state, state);
}

TEST(AdvanceParty, AdoptsJobsAfterARestartThatLostTheStatusWrite) {
  // Status never recorded anything, but the Jobs exist: transfer done, migrate running.
  const auto out = advanceParty(
      fresh(), {job(Step::Transfer, 1, Outcome::Succeeded), job(Step::Migrate, 1, Outcome::Active)},
      {}, namer, kNow);
  EXPECT_FALSE(out.create);
  EXPECT_EQ(out.state.at(Step::Transfer).phase, StepPhase::Succeeded);
  EXPECT_EQ(out.state.at(Step::Migrate).phase, StepPhase::Running);
  EXPECT_EQ(out.state.at(Step::Migrate).attempts, 1);
  EXPECT_EQ(out.state.at(Step::Migrate).jobName, "seed-guest-9999-migrate-1");
}

TEST(AdvanceParty, AdoptsAHigherAttemptThanRecorded) {
  PartyState state = advanceParty(fresh(), {}, {.maxAttempts = 3}, namer, kNow).state;
  const auto out = advanceParty(
      state, {job(Step::Transfer, 1, Outcome::Failed), job(Step::Transfer, 2, Outcome::Active)},
      {.maxAttempts = 3}, namer, kNow);
  EXPECT_FALSE(out.create);
  EXPECT_EQ(out.state.at(Step::Transfer).attempts, 2);
  EXPECT_EQ(out.state.at(Step::Transfer).jobName, "seed-guest-9999-transfer-2");
}

TEST(AdvanceParty, ReissuesTheSameAttemptWhenTheCacheLags) {
  // Recorded attempt 1, the cache does not show its Job yet: ask for attempt 1 again (same
  // deterministic name -> AlreadyExists), never attempt 2, and no duplicate Started event.
  PartyState state = advanceParty(fresh(), {}, {}, namer, kNow).state;
  const auto out = advanceParty(state, {}, {}, namer, kNow);
  ASSERT_TRUE(out.create);
  EXPECT_EQ(*out.create, (StepAttempt{Step::Transfer, 1}));
  EXPECT_TRUE(out.events.empty());
}

TEST(AdvanceParty, DeadlineExceededIsReportedWithItsReason) {
  PartyState state = advanceParty(fresh(), {}, {}, namer, kNow).state;
  ObservedJob timedOut = job(Step::Transfer, 1, Outcome::Failed);
  timedOut.failureReason = "DeadlineExceeded";
  timedOut.failureMessage = "Job was active longer than specified deadline";
  const auto out = advanceParty(state, {timedOut}, {}, namer, kNow);
  EXPECT_EQ(out.state.at(Step::Transfer).phase, StepPhase::Failed);
  EXPECT_NE(out.state.at(Step::Transfer).message.find("DeadlineExceeded"), std::string::npos);
  EXPECT_NE(out.state.at(Step::Transfer).message.find("longer than specified deadline"),
            std::string::npos);
}

TEST(StepNames, RoundTrip) {
  for (Step step : kStepOrder) EXPECT_EQ(stepFromName(stepName(step)), step);
  EXPECT_FALSE(stepFromName("export"));
  EXPECT_EQ(phaseFromName("Succeeded"), StepPhase::Succeeded);
  EXPECT_FALSE(phaseFromName("Done"));
}

}  // namespace
}  // namespace flop::modelmigration
