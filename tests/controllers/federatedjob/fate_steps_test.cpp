// The FATE-Flow side of each step, against a scripted FATE-Flow: the tag lookup guards every
// submission, a new job is tagged at once, and publish calls record per-party results.
#include <gtest/gtest.h>

#include <map>

#include "flop/federatedjob/fate_steps.hpp"
#include "flop/federatedjob/summary.hpp"
#include "job_fixtures.hpp"
#include "scripted_transport.hpp"

namespace flop::federatedjob {
namespace {

using fateflow::Json;
using testing::at;
using testing::contextAt;
using testing::fateJob;
using testing::jsonResponse;
using testing::ScriptedTransport;
using testing::withFinalizer;

// A tiny FATE-Flow: answers per path from a map the test fills; counts calls.
struct FakeFlow {
  FakeFlow()
      : transport(std::make_shared<ScriptedTransport>([this](const http::Request& request) {
          std::string path = request.url.substr(request.url.find("/v1/"));
          ++calls[path];
          auto answer = answers.find(path);
          if (answer == answers.end()) return jsonResponse(404, {{"retcode", 404}});
          return jsonResponse(200, answer->second);
        })),
        client(transport, "http://fate:9380") {}

  Json bodyOf(const std::string& path) const {
    for (auto it = transport->requests.rbegin(); it != transport->requests.rend(); ++it) {
      if (it->url.ends_with(path)) return Json::parse(it->body);
    }
    return nullptr;
  }

  // No tagged job yet; a submission gets `jobId` and can be tagged.
  void acceptsSubmissions(const std::string& jobId);

  std::map<std::string, Json> answers;
  std::map<std::string, int> calls;
  std::shared_ptr<ScriptedTransport> transport;
  fateflow::FateFlowClient client;
};

Json noJob() {
  return {{"retcode", 0}, {"retmsg", "no job could be found"}, {"data", Json::array()}};
}

Json taggedRows(std::initializer_list<std::pair<const char*, const char*>> jobs,
                const std::string& tag) {
  Json rows = Json::array();
  for (const auto& [id, state] : jobs) {
    rows.push_back({{"f_job_id", id},
                    {"f_role", "guest"},
                    {"f_party_id", "9999"},
                    {"f_status", state},
                    {"f_is_initiator", true},
                    {"f_description", tag}});
  }
  return {{"retcode", 0}, {"retmsg", "success"}, {"data", rows}};
}

Json submitted(const std::string& id) {
  return {{"retcode", 0},
          {"retmsg", "success"},
          {"jobId", id},
          {"data",
           {{"job_id", id},
            {"model_info",
             {{"model_id", "arbiter-10000#guest-9999#host-10000#model"}, {"model_version", id}}}}}};
}

void FakeFlow::acceptsSubmissions(const std::string& jobId) {
  answers["/v1/job/query"] = noJob();
  answers["/v1/job/submit"] = submitted(jobId);
  answers["/v1/job/update"] = {{"retcode", 0}, {"retmsg", "success"}};
}

TEST(SubmitOnce, SubmitsAndTagsWhenNoTaggedJobExists) {
  FakeFlow flow;
  flow.acceptsSubmissions("j1");
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  SubmitOutcome outcome = submitOnce(flow.client, job, fateflow::SubmitKeys::Current);
  EXPECT_EQ(outcome.kind, SubmitOutcome::Kind::Submitted);
  EXPECT_EQ(outcome.jobId, "j1");
  EXPECT_EQ(flow.bodyOf("/v1/job/query"), (Json{{"description", "6f1c0c7e-uid"}}));
  EXPECT_EQ(flow.bodyOf("/v1/job/submit")["runtime_conf"], job.spec.fate->runtimeConf);
  EXPECT_EQ(
      flow.bodyOf("/v1/job/update"),
      (Json{{"job_id", "j1"}, {"role", "guest"}, {"party_id", 9999}, {"notes", "6f1c0c7e-uid"}}));
  // The lookup happens before the submission.
  ASSERT_GE(flow.transport->requests.size(), 2u);
  EXPECT_TRUE(flow.transport->requests[0].url.ends_with("/v1/job/query"));
  EXPECT_TRUE(flow.transport->requests[1].url.ends_with("/v1/job/submit"));
}

TEST(SubmitOnce, AdoptsATaggedJobInsteadOfSubmittingAgain) {
  FakeFlow flow;
  flow.answers["/v1/job/query"] = taggedRows({{"j7", "running"}}, "6f1c0c7e-uid");
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  SubmitOutcome outcome = submitOnce(flow.client, job, fateflow::SubmitKeys::Current);
  EXPECT_EQ(outcome.kind, SubmitOutcome::Kind::Adopted);
  EXPECT_EQ(outcome.jobId, "j7");
  EXPECT_EQ(outcome.state, "running");
  EXPECT_EQ(flow.calls["/v1/job/submit"], 0);
}

TEST(SubmitOnce, EarlierAttemptsJobsAreNotAdoptedAgain) {
  FakeFlow flow;
  // Attempt 1's job carries the same tag; attempt 2 must submit a fresh job.
  flow.answers["/v1/job/query"] = taggedRows({{"j1", "failed"}}, "6f1c0c7e-uid");
  flow.answers["/v1/job/submit"] = submitted("j2");
  flow.answers["/v1/job/update"] = {{"retcode", 0}, {"retmsg", "success"}};
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  SubmitOutcome first;
  first.jobId = "j1";
  recordSubmit(job, first, at(0));
  recordQuery(job, fateflow::QueryResult{{}, {}}, at(1));  // lost → failed
  recordAttempt(job, at(20));
  SubmitOutcome outcome = submitOnce(flow.client, job, fateflow::SubmitKeys::Current);
  EXPECT_EQ(outcome.kind, SubmitOutcome::Kind::Submitted);
  EXPECT_EQ(outcome.jobId, "j2");
}

TEST(SubmitOnce, NewestTaggedJobWins) {
  FakeFlow flow;
  flow.answers["/v1/job/query"] = taggedRows(
      {{"20260301100000000001", "failed"}, {"20260301100500000001", "waiting"}}, "6f1c0c7e-uid");
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  EXPECT_EQ(submitOnce(flow.client, job, fateflow::SubmitKeys::Current).jobId,
            "20260301100500000001");
}

TEST(SubmitOnce, LegacyFlowGetsTheOldKeys) {
  FakeFlow flow;
  flow.acceptsSubmissions("j1");
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  submitOnce(flow.client, job, fateflow::SubmitKeys::Legacy);
  EXPECT_TRUE(flow.bodyOf("/v1/job/submit").contains("job_runtime_conf"));
}

TEST(SubmitOnce, RejectionIsAnOutcomeNotAnException) {
  FakeFlow flow;
  flow.answers["/v1/job/query"] = noJob();
  flow.answers["/v1/job/submit"] = {{"retcode", 103}, {"retmsg", "Traceback"}, {"jobId", "jx"}};
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  SubmitOutcome outcome = submitOnce(flow.client, job, fateflow::SubmitKeys::Current);
  EXPECT_EQ(outcome.kind, SubmitOutcome::Kind::Rejected);
  EXPECT_EQ(outcome.retcode, 103);
  EXPECT_EQ(flow.calls["/v1/job/update"], 0);
}

TEST(PerformFateStep, SubmitRecordsTheIdAndEmitsAnEventWithIt) {
  FakeFlow flow;
  flow.acceptsSubmissions("j1");
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  RoundMemory round;
  Action submit;
  submit.kind = ActionKind::Submit;
  auto event =
      performFateStep(submit, job, flow.client, fateflow::SubmitKeys::Current, round, at(0));
  ASSERT_TRUE(event);
  EXPECT_EQ(event->reason, "Submitted");
  EXPECT_NE(event->message.find("j1"), std::string::npos);
  EXPECT_EQ(job.status.attempts.back().fateJobId, "j1");
  EXPECT_TRUE(round.lookedUp);
}

TEST(PerformFateStep, UnreachableFateFlowThrowsTheTransportError) {
  auto transport = std::make_shared<ScriptedTransport>([](const http::Request&) -> http::Response {
    throw http::TransportError(http::TransportError::Kind::Connect, "refused");
  });
  fateflow::FateFlowClient client(transport, "http://fate:9380");
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  RoundMemory round;
  Action submit;
  submit.kind = ActionKind::Submit;
  EXPECT_THROW(performFateStep(submit, job, client, fateflow::SubmitKeys::Current, round, at(0)),
               http::TransportError);
  EXPECT_TRUE(isSubmitting(job.status.attempts.back()));  // nothing recorded, nothing lost
}

TEST(PerformFateStep, StopNotConfirmedIsRememberedForTheRound) {
  FakeFlow flow;
  flow.answers["/v1/job/stop"] = {{"retcode", 103}, {"retmsg", "stop job on all party failed"}};
  auto job = withFinalizer(fateJob());
  recordAttempt(job, at(0));
  SubmitOutcome outcome;
  outcome.jobId = "j1";
  recordSubmit(job, outcome, at(0));
  RoundMemory round;
  Action stop;
  stop.kind = ActionKind::Stop;
  stop.stopCause = StopCause::Deletion;
  auto event = performFateStep(stop, job, flow.client, fateflow::SubmitKeys::Current, round, at(1));
  ASSERT_TRUE(event);
  EXPECT_TRUE(event->warning);
  EXPECT_TRUE(round.stopFailed);
  EXPECT_EQ(flow.bodyOf("/v1/job/stop"), (Json{{"job_id", "j1"}, {"stop_status", "canceled"}}));
}

TEST(PerformFateStep, LoadAddressesOnlyTheRequestedParties) {
  FakeFlow flow;
  flow.answers["/v1/model/load"] = {
      {"retcode", 0},
      {"retmsg", "success"},
      {"data", {{"detail", {{"host", {{"10000", {{"retcode", 0}, {"retmsg", "ok"}}}}}}}}}};
  auto job = withFinalizer(fateJob(1));
  job.spec.fate->publish = api::PublishSpec{"svc", std::nullopt};
  recordAttempt(job, at(0));
  SubmitOutcome outcome;
  outcome.jobId = "j1";
  recordSubmit(job, outcome, at(0));
  resetPublish(job);
  RoundMemory round;
  Action load;
  load.kind = ActionKind::Load;
  load.parties = {{"host", 10000}};
  performFateStep(load, job, flow.client, fateflow::SubmitKeys::Current, round, at(1));
  Json body = flow.bodyOf("/v1/model/load");
  EXPECT_EQ(body["role"], (Json{{"host", {10000}}}));
  EXPECT_EQ(body["initiator"], (Json{{"role", "guest"}, {"party_id", 9999}}));
  EXPECT_EQ(body["job_parameters"]["model_version"], "j1");
  EXPECT_FALSE(round.publishCallFailed);
}

}  // namespace
}  // namespace flop::federatedjob
