// MindSpore FL instances, pure parts: decideInstance(), the recorders and summarizeInstance() on a
// fake clock, plus the scheduler client's instance calls over a scripted transport.
#include <gtest/gtest.h>

#include "flop/federatedjob/instance.hpp"
#include "job_fixtures.hpp"
#include "scripted_transport.hpp"

namespace flop::federatedjob {
namespace {

using Json = nlohmann::json;
using testing::at;
using testing::condition;
using testing::contextAt;
using testing::instanceJob;

const SchedulerView kReady{true, "CLUSTER_READY"};
const SchedulerView kScaling{false, "CLUSTER_SCALE_OUT"};

flcluster::InstanceReply accepted(std::vector<std::string> ranks = {"success", "success"}) {
  return {{true, 200, "Start update flPlan successful."}, std::move(ranks)};
}
flcluster::InstanceReply refused(std::string message) { return {{false, 400, message}, {}}; }

Context recordedRound(Clock::time_point now) {
  auto context = contextAt(now);
  context.round.attemptRecorded = true;
  return context;
}

// RecordAttempt + an accepted /newInstance + a confirming /queryInstance at `now`.
void establish(api::FederatedJob& job, Clock::time_point now) {
  recordInstanceAttempt(job, now);
  recordNewInstance(job, accepted(), now);
  ASSERT_FALSE(recordQueryInstance(job, accepted(), now));
  summarizeInstance(job, contextAt(now), kReady);
}

TEST(InstanceReplies, SuccessOrAnErrorFreeObjectConfirms) {
  EXPECT_TRUE(rankReplyOk("success"));
  EXPECT_TRUE(rankReplyOk(" Success\n"));
  EXPECT_TRUE(rankReplyOk(R"({"code":"0","result":{"instanceStatus":"running"}})"));
  EXPECT_TRUE(rankReplyOk(R"({"code":0})"));
  EXPECT_FALSE(rankReplyOk(""));
  EXPECT_FALSE(rankReplyOk("The new instance is timeout."));
  EXPECT_FALSE(rankReplyOk(R"({"error_message":"bad"})"));
  EXPECT_FALSE(rankReplyOk(R"({"code":"1"})"));
}

TEST(InstanceDigest, StableAndSensitiveToValues) {
  Json a = {{"fl_name", "lenet"}, {"fl_iteration_num", 5}};
  Json b = Json::parse(R"({"fl_iteration_num":5,"fl_name":"lenet"})");
  EXPECT_EQ(hyperParametersDigest(a), hyperParametersDigest(b));
  EXPECT_EQ(hyperParametersDigest(a).size(), 16u);
  b["fl_iteration_num"] = 6;
  EXPECT_NE(hyperParametersDigest(a), hyperParametersDigest(b));
}

TEST(DecideInstance, WaitsForAReadySchedulerWithAReason) {
  auto job = instanceJob();
  auto action = decideInstance(job, contextAt(at(0)), kScaling);
  EXPECT_EQ(action.kind, ActionKind::None);
  EXPECT_EQ(action.requeueAfter, Clock::duration(std::chrono::seconds(10)));
  summarizeInstance(job, contextAt(at(0)), kScaling);
  EXPECT_EQ(job.status.phase, "Pending");
  EXPECT_EQ(condition(job, "Reconciling").reason, "WaitingForScheduler");
  EXPECT_NE(condition(job, "Reconciling").message.find("CLUSTER_SCALE_OUT"), std::string::npos);
  EXPECT_EQ(decideInstance(job, contextAt(at(1)), kReady).kind, ActionKind::RecordAttempt);
}

TEST(DecideInstance, PostsOnlyInTheRoundThatRecordedTheAttempt) {
  auto job = instanceJob();
  recordInstanceAttempt(job, at(0));
  EXPECT_EQ(job.status.mindspore->hyperParametersDigest,
            hyperParametersDigest(job.spec.mindspore->hyperParameters));
  EXPECT_EQ(decideInstance(job, recordedRound(at(0)), kReady).kind, ActionKind::NewInstance);
  // A later reconcile (operator restarted after writing the attempt) never posts it again.
  EXPECT_EQ(decideInstance(job, contextAt(at(5)), kReady).kind, ActionKind::InstanceUnknown);
  recordInstanceUnknown(job, "restarted");
  EXPECT_EQ(decideInstance(job, contextAt(at(5)), kReady).kind, ActionKind::QueryInstance);
}

TEST(DecideInstance, AcceptedThenConfirmedByEveryRankIsSucceeded) {
  auto job = instanceJob();
  recordInstanceAttempt(job, at(0));
  recordNewInstance(job, accepted(), at(0));
  EXPECT_EQ(job.status.attempts.back().state, "accepted");
  summarizeInstance(job, contextAt(at(0)), kReady);
  EXPECT_EQ(job.status.phase, "Running");
  EXPECT_EQ(condition(job, "Submitted").status, "True");
  EXPECT_EQ(decideInstance(job, contextAt(at(0)), kReady).kind, ActionKind::QueryInstance);

  ASSERT_FALSE(recordQueryInstance(job, accepted({"success", "bad rank"}), at(2)));
  EXPECT_EQ(job.status.attempts.back().state, "accepted");
  EXPECT_EQ(job.status.attempts.back().message, "/queryInstance: rank 1: bad rank");
  auto wait = decideInstance(job, contextAt(at(3)), kReady);
  EXPECT_EQ(wait.kind, ActionKind::None) << "polled at 2 s; the next poll is 2 s later";
  EXPECT_EQ(wait.requeueAfter, Clock::duration(std::chrono::seconds(1)));

  ASSERT_FALSE(recordQueryInstance(job, accepted(), at(4)));
  summarizeInstance(job, contextAt(at(4)), kReady);
  EXPECT_EQ(job.status.phase, "Succeeded");
  EXPECT_EQ(condition(job, "Ready").status, "True");
  EXPECT_EQ(condition(job, "Succeeded").reason, "InstanceEstablished");
  EXPECT_EQ(job.status.completionTime, api::format_time(at(4)));
  ASSERT_EQ(job.status.mindspore->ranks.size(), 2u);
  EXPECT_EQ(job.status.mindspore->ranks[1].reply, "success");
  EXPECT_EQ(decideInstance(job, contextAt(at(60)), kReady).kind, ActionKind::None);
  EXPECT_EQ(api::find_condition(job.status.conditions, "Reconciling"), nullptr);
}

TEST(DecideInstance, QueryTimeoutIsSurfacedVerbatimAndPolledAgain) {
  auto job = instanceJob();
  recordInstanceAttempt(job, at(0));
  recordNewInstance(job, accepted(), at(0));
  auto refusal = recordQueryInstance(job, refused("The query instance is timeout."), at(1));
  ASSERT_TRUE(refusal);
  EXPECT_EQ(*refusal, "The query instance is timeout.");
  summarizeInstance(job, contextAt(at(1)), kReady,
                    Unavailability{"QueryInstanceFailed", "/queryInstance: " + *refusal});
  EXPECT_EQ(condition(job, "Reconciling").message,
            "/queryInstance: The query instance is timeout.");
  EXPECT_EQ(condition(job, "Ready").reason, "QueryInstanceFailed");
  EXPECT_EQ(job.status.attempts.back().state, "accepted");
  EXPECT_EQ(decideInstance(job, contextAt(at(3)), kReady).kind, ActionKind::QueryInstance);
}

TEST(DecideInstance, RejectedInstanceWithoutRetriesFailsAndStalls) {
  auto job = instanceJob();
  recordInstanceAttempt(job, at(0));
  recordNewInstance(job, refused("The new instance is timeout."), at(0));
  EXPECT_EQ(job.status.attempts.back().state, "rejected");
  summarizeInstance(job, contextAt(at(0)), kReady);
  EXPECT_EQ(job.status.phase, "Failed");
  EXPECT_EQ(condition(job, "Failed").reason, "NewInstanceRejected");
  EXPECT_NE(condition(job, "Failed").message.find("/newInstance: The new instance is timeout."),
            std::string::npos);
  EXPECT_EQ(condition(job, "Stalled").status, "True");
  EXPECT_EQ(condition(job, "Ready").status, "False");
  EXPECT_EQ(decideInstance(job, contextAt(at(600)), kReady).kind, ActionKind::None);
}

TEST(DecideInstance, RankErrorRejectsAndBackoffRetriesOnce) {
  auto job = instanceJob();
  job.spec.runPolicy = api::RunPolicy{};
  job.spec.runPolicy->backoffLimit = 1;
  recordInstanceAttempt(job, at(0));
  recordNewInstance(job, accepted({"success", "Updating hyper-params failed."}), at(0));
  EXPECT_EQ(job.status.attempts.back().message,
            "/newInstance: rank 1: Updating hyper-params failed.");
  summarizeInstance(job, contextAt(at(0)), kReady);
  EXPECT_EQ(job.status.phase, "Pending");
  EXPECT_EQ(condition(job, "Reconciling").reason, "BackoffRetry");
  auto wait = decideInstance(job, contextAt(at(4)), kReady);
  EXPECT_EQ(wait.kind, ActionKind::None);
  EXPECT_EQ(wait.requeueAfter, Clock::duration(std::chrono::seconds(6)));
  EXPECT_EQ(decideInstance(job, contextAt(at(10)), kReady).kind, ActionKind::RecordAttempt);
  recordInstanceAttempt(job, at(10));
  EXPECT_EQ(job.status.attempts.size(), 2u);
}

TEST(DecideInstance, NotReadyRefusalIsRetriedInTheSameEntryWithoutCounting) {
  auto job = instanceJob();
  recordInstanceAttempt(job, at(0));
  recordNewInstance(job, refused("The cluster is not ready."), at(0));
  EXPECT_EQ(job.status.attempts.back().state, "not_ready");
  summarizeInstance(job, contextAt(at(0)), kScaling);
  EXPECT_EQ(job.status.phase, "Pending");
  EXPECT_EQ(condition(job, "Reconciling").reason, "WaitingForScheduler");
  EXPECT_EQ(decideInstance(job, contextAt(at(1)), kScaling).kind, ActionKind::None);
  EXPECT_EQ(decideInstance(job, contextAt(at(1)), kReady).kind, ActionKind::RecordAttempt);
  recordInstanceAttempt(job, at(1));
  ASSERT_EQ(job.status.attempts.size(), 1u);
  EXPECT_FALSE(job.status.attempts.back().state);
}

TEST(DecideInstance, SuspendDisablesAndResumeEnablesTheServers) {
  auto job = instanceJob();
  establish(job, at(0));
  job.spec.runPolicy = api::RunPolicy{};
  job.spec.runPolicy->suspend = true;
  EXPECT_EQ(decideInstance(job, contextAt(at(5)), kScaling).kind, ActionKind::None);
  EXPECT_EQ(decideInstance(job, contextAt(at(5)), kReady).kind, ActionKind::DisableServers);
  EXPECT_TRUE(recordServers(job, false, {true, 200, "start disabling FL-Server successful."}));
  summarizeInstance(job, contextAt(at(5)), kReady);
  EXPECT_EQ(job.status.phase, "Suspended");
  EXPECT_EQ(condition(job, "Succeeded").status, "True") << "the instance was established";
  EXPECT_EQ(condition(job, "Ready").reason, "Suspended");
  EXPECT_EQ(api::find_condition(job.status.conditions, "Reconciling"), nullptr);
  EXPECT_EQ(decideInstance(job, contextAt(at(6)), kReady).kind, ActionKind::None);

  job.spec.runPolicy->suspend = false;
  EXPECT_EQ(decideInstance(job, contextAt(at(7)), kReady).kind, ActionKind::EnableServers);
  // Later sources refuse a repeated call; the servers are then in the wanted state.
  EXPECT_TRUE(recordServers(job, true, {false, 400, "The instance has already been enabled."}));
  summarizeInstance(job, contextAt(at(7)), kReady);
  EXPECT_EQ(job.status.phase, "Succeeded");
  EXPECT_EQ(condition(job, "Ready").status, "True");
  EXPECT_EQ(decideInstance(job, contextAt(at(8)), kReady).kind, ActionKind::None);
  EXPECT_EQ(job.status.attempts.size(), 1u);
}

TEST(DecideInstance, RefusedDisableIsRetriedLaterNotInALoop) {
  auto job = instanceJob();
  establish(job, at(0));
  job.spec.runPolicy = api::RunPolicy{};
  job.spec.runPolicy->suspend = true;
  EXPECT_FALSE(recordServers(job, false, {false, 400, "The disable FLS is timeout."}));
  auto context = contextAt(at(1));
  context.round.serversCallFailed = true;
  auto action = decideInstance(job, context, kReady);
  EXPECT_EQ(action.kind, ActionKind::None);
  EXPECT_EQ(action.requeueAfter, Clock::duration(std::chrono::seconds(10)));
}

TEST(DecideInstance, ChangedHyperParametersStartANewInstance) {
  auto job = instanceJob();
  establish(job, at(0));
  job.spec.mindspore->hyperParameters["fl_iteration_num"] = 50;
  EXPECT_EQ(decideInstance(job, contextAt(at(30)), kReady).kind, ActionKind::RecordAttempt);
  recordInstanceAttempt(job, at(30));
  EXPECT_EQ(job.status.attempts.size(), 2u);
  EXPECT_FALSE(job.status.completionTime);
  EXPECT_EQ(job.status.startTime, api::format_time(at(30)));
  summarizeInstance(job, recordedRound(at(30)), kReady);
  EXPECT_EQ(job.status.phase, "Pending");
}

TEST(DecideInstance, DeadlineBeforeConfirmationFailsTheJob) {
  auto job = instanceJob();
  job.spec.runPolicy = api::RunPolicy{};
  job.spec.runPolicy->activeDeadlineSeconds = 60;
  recordInstanceAttempt(job, at(0));
  recordNewInstance(job, accepted(), at(0));
  summarizeInstance(job, contextAt(at(59)), kReady);
  EXPECT_EQ(job.status.phase, "Running");
  EXPECT_EQ(decideInstance(job, contextAt(at(60)), kReady).kind, ActionKind::None);
  summarizeInstance(job, contextAt(at(60)), kReady);
  EXPECT_EQ(job.status.phase, "Failed");
  EXPECT_EQ(condition(job, "Stalled").reason, "DeadlineExceeded");
}

TEST(SummarizeInstance, UnsupportedSchedulerApiIsStalled) {
  auto job = instanceJob();
  summarizeInstance(job, contextAt(at(0)), SchedulerView{},
                    Unavailability{"UnsupportedSchedulerApi", "declares 1.4", true});
  EXPECT_EQ(condition(job, "Stalled").reason, "UnsupportedSchedulerApi");
  EXPECT_EQ(condition(job, "Ready").status, "False");
  EXPECT_EQ(api::find_condition(job.status.conditions, "Reconciling"), nullptr);
}

TEST(SchedulerClientInstance, SendsTheHyperParametersAndReadsEveryRank) {
  testing::ScriptedTransport transport([](const http::Request& request) {
    if (request.url.ends_with("/newInstance")) {
      return testing::jsonResponse(
          200, {{"code", "0"}, {"message", "ok"}, {"result", {"success", Json{{"code", "0"}}}}});
    }
    if (request.url.ends_with("/disableFLS")) {
      return testing::jsonResponse(
          400, {{"code", "1"}, {"error_message", "The disable FLS is timeout."}});
    }
    return testing::jsonResponse(200, {{"code", "1"}, {"error_message", "busy"}});
  });
  flcluster::SchedulerClient client(transport, {"http://sched:11202/", "tok"});
  auto reply = client.newInstance(R"({"fl_iteration_num":5})");
  EXPECT_TRUE(reply.outcome.accepted);
  EXPECT_EQ(reply.results, (std::vector<std::string>{"success", R"({"code":"0"})"}));
  EXPECT_EQ(transport.requests.back().url, "http://sched:11202/newInstance");
  EXPECT_EQ(transport.requests.back().body, R"({"fl_iteration_num":5})");
  EXPECT_EQ(transport.requests.back().headers.at("authorization"), "Bearer tok");
  auto query = client.queryInstance();
  EXPECT_FALSE(query.outcome.accepted) << "1.6+ \"code\":\"1\" on a 200 is a refusal";
  EXPECT_EQ(query.outcome.message, "busy");
  EXPECT_EQ(client.disableFls().message, "The disable FLS is timeout.");
}

}  // namespace
}  // namespace flop::federatedjob
