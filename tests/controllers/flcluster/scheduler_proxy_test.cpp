// The management sidecar's request handling: token, path allowlist, verbatim forwarding.
#include "flop/flcluster/scheduler_proxy.hpp"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "flop/error.hpp"
#include "flop/http/fake_transport.hpp"

namespace flop::flcluster {
namespace {

class SchedulerProxyTest : public ::testing::Test {
 protected:
  http::FakeTransport scheduler;
  ProxyOptions options{"0.0.0.0:11203", "http://127.0.0.1:11202", "", "s3cret",
                       false,           std::chrono::seconds(5)};
  http::Headers authorised{{"authorization", "Bearer s3cret"}};
};

TEST_F(SchedulerProxyTest, ForwardsTheSchedulersReplyVerbatim) {
  scheduler.enqueue("POST", "/scaleout",
                    http::Response{400, {}, R"({"error_message":"The cluster is not ready."})"});
  auto reply = forwardManagementRequest(scheduler, options, "POST", "/scaleout", authorised,
                                        R"({"worker_num":0,"server_num":1})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, R"({"error_message":"The cluster is not ready."})");
  auto sent = scheduler.requests().at(0);
  EXPECT_EQ(sent.url, "http://127.0.0.1:11202/scaleout");
  EXPECT_EQ(sent.body, R"({"worker_num":0,"server_num":1})");
  EXPECT_EQ(sent.headers.count("authorization"), 0u);  // the token stays on this side
}

TEST_F(SchedulerProxyTest, RejectsMissingOrWrongTokens) {
  EXPECT_EQ(forwardManagementRequest(scheduler, options, "GET", "/state", {}, "").status, 401);
  EXPECT_EQ(forwardManagementRequest(scheduler, options, "GET", "/state",
                                     {{"authorization", "Bearer s3creT"}}, "")
                .status,
            401);
  EXPECT_EQ(forwardManagementRequest(scheduler, options, "GET", "/state",
                                     {{"authorization", "Bearer s3cret-and-more"}}, "")
                .status,
            401);
  EXPECT_EQ(forwardManagementRequest(scheduler, options, "GET", "/state",
                                     {{"authorization", "Basic s3cret"}}, "")
                .status,
            401);
  EXPECT_TRUE(scheduler.requests().empty());
}

TEST_F(SchedulerProxyTest, OnlyManagementPathsPass) {
  EXPECT_EQ(forwardManagementRequest(scheduler, options, "GET", "/../etc", authorised, "").status,
            404);
  EXPECT_EQ(
      forwardManagementRequest(scheduler, options, "POST", "/updateModel", authorised, "x").status,
      404);
  EXPECT_TRUE(scheduler.requests().empty());
}

TEST_F(SchedulerProxyTest, SilentSchedulerIsBadGateway) {
  scheduler.enqueueError("GET", "/state", http::TransportError::Kind::Timeout);
  EXPECT_EQ(forwardManagementRequest(scheduler, options, "GET", "/state", authorised, "").status,
            502);
}

TEST(ProxyFlags, ReadsTheTokenFileAndRejectsUnknownFlags) {
  const std::string path = ::testing::TempDir() + "/proxy-token";
  std::ofstream(path) << "tok-123\n";
  auto options = parseProxyFlags({"--listen=127.0.0.1:9", "--upstream=https://127.0.0.1:11202/",
                                  "--token-file=" + path, "--upstream-insecure-skip-verify"});
  EXPECT_EQ(options.token, "tok-123");
  EXPECT_EQ(options.listen, "127.0.0.1:9");
  EXPECT_EQ(options.upstream, "https://127.0.0.1:11202");
  EXPECT_TRUE(options.upstreamInsecureSkipVerify);
  EXPECT_THROW(parseProxyFlags({"--token-file=" + path, "--token=inline"}), InvalidInput);
  EXPECT_THROW(parseProxyFlags({}), InvalidInput);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace flop::flcluster
