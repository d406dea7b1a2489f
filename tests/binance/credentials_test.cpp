// Credentials: the environment, a 0600/0400 file accepted, anything others can read
// refused with the mode named, and the secret in no error text and no rendering.
#include "ballast/binance/credentials.hpp"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace ballast::binance::credentials_test {
namespace {

constexpr const char* kKey = "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83";
constexpr const char* kSecret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";

class BinanceCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ballast_binance_credentials_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  static std::string file_text(const char* key = kKey, const char* secret = kSecret) {
    return std::string("api_key = \"") + key + "\"\napi_secret = \"" + secret + "\"\n";
  }

  std::filesystem::path dir_;
};

TEST_F(BinanceCredentialsTest, OwnerOnlyFileIsAccepted) {
  for (mode_t mode : {0600, 0400}) {
    const auto r = load_api_credentials_from_file(write("c.toml", file_text(), mode));
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.credentials->api_key, kKey);
    EXPECT_EQ(r.credentials->api_secret.reveal(), kSecret);
    std::filesystem::remove(dir_ / "c.toml");
  }
}

TEST_F(BinanceCredentialsTest, FileOthersCanReadIsRefusedNamingFileAndMode) {
  const std::string path = write("c.toml", file_text(), 0644);
  const auto r = load_api_credentials_from_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find(path), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("0644"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find(kSecret), std::string::npos);
  ::chmod(path.c_str(), 0640);
  EXPECT_NE(load_api_credentials_from_file(path).error.find("0640"), std::string::npos);
  ::chmod(path.c_str(), 0700);
  EXPECT_FALSE(load_api_credentials_from_file(path).ok());
}

TEST_F(BinanceCredentialsTest, SymlinkDirectoryAndMissingFileAreRefused) {
  const std::string target = write("real.toml", file_text(), 0600);
  const std::string link = (dir_ / "link.toml").string();
  std::filesystem::create_symlink(target, link);
  auto r = load_api_credentials_from_file(link);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("symbolic link"), std::string::npos) << r.error;
  r = load_api_credentials_from_file(dir_.string());
  EXPECT_FALSE(r.ok());
  r = load_api_credentials_from_file((dir_ / "absent.toml").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("absent.toml"), std::string::npos);
}

TEST_F(BinanceCredentialsTest, SecretNeverAppearsInAnyErrorText) {
  const std::string bad_files[] = {
      std::string("api_key = \"k\"\napi_secret = \"") + kSecret +
          "\nbroken",                                     // unterminated string
      std::string("api_secret = \"") + kSecret + "\"\n",  // no api_key
      std::string("api_key = \"k\"\napi_secret = \"") + kSecret + "\"\nextra = 1\n",  // unknown key
      std::string("api_key = \"k!\"\napi_secret = \"") + kSecret + "\"\n",  // bad key characters
      std::string("api_key = \"k\"\napi_secret = \"") + kSecret +
          " x\"\n",                                                    // bad secret characters
      std::string("api_key = \"k\"\napi_secret = ") + kSecret + "\n",  // bare value
  };
  int i = 0;
  for (const std::string& text : bad_files) {
    const auto r =
        load_api_credentials_from_file(write("bad" + std::to_string(i++) + ".toml", text, 0600));
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_FALSE(r.error.empty());
    EXPECT_EQ(r.error.find(kSecret), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find("2b5eb11e"), std::string::npos) << r.error;
  }
}

TEST_F(BinanceCredentialsTest, EnvironmentVariablesWithConfigurableNames) {
  ::setenv("BALLAST_TEST_KEY", kKey, 1);
  ::setenv("BALLAST_TEST_SECRET", kSecret, 1);
  const CredentialEnvironment names{"BALLAST_TEST_KEY", "BALLAST_TEST_SECRET"};
  auto r = load_api_credentials_from_env(names);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials->api_key, kKey);
  EXPECT_EQ(r.credentials->api_secret.reveal(), kSecret);
  ::setenv("BALLAST_TEST_SECRET", kSecret, 1);  // the load scrubbed it: set it again
  r = load_api_credentials("", names);
  EXPECT_TRUE(r.ok());
  ::unsetenv("BALLAST_TEST_SECRET");
  r = load_api_credentials_from_env(names);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("BALLAST_TEST_SECRET"), std::string::npos);
  ::setenv("BALLAST_TEST_SECRET", "has space and the secret", 1);
  r = load_api_credentials_from_env(names);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.find("has space"), std::string::npos) << r.error;
  ::unsetenv("BALLAST_TEST_KEY");
  ::unsetenv("BALLAST_TEST_SECRET");
  const CredentialEnvironment defaults;
  EXPECT_EQ(defaults.key_variable, "BALLAST_API_KEY");
  EXPECT_EQ(defaults.secret_variable, "BALLAST_API_SECRET");
}

// Issue 14, item 7: /proc/<pid>/environ showed BALLAST_API_SECRET and a core dump held
// it. Once loaded, the variable's bytes are overwritten where the process keeps them,
// the variable is gone, and the process can no longer be dumped or read by its peers.
TEST_F(BinanceCredentialsTest, SecretLeavesTheEnvironmentAndTheProcessCannotBeDumped) {
  ::setenv("BALLAST_TEST_KEY", kKey, 1);
  ::setenv("BALLAST_TEST_SECRET", kSecret, 1);
  const char* stored = std::getenv("BALLAST_TEST_SECRET");
  ASSERT_NE(stored, nullptr);
  const std::size_t n = std::strlen(stored);
  const CredentialEnvironment names{"BALLAST_TEST_KEY", "BALLAST_TEST_SECRET"};
  const auto r = load_api_credentials_from_env(names);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.credentials->api_secret.reveal(), kSecret);
  EXPECT_EQ(std::getenv("BALLAST_TEST_SECRET"), nullptr);
  // glibc never frees setenv's buffer: the bytes it held are zero now, not the secret.
  EXPECT_EQ(std::string_view(stored, n), std::string(n, '\0'));
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
  rlimit core{};
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &core), 0);
  EXPECT_EQ(core.rlim_cur, 0u);
  EXPECT_EQ(core.rlim_max, 0u);
  ::unsetenv("BALLAST_TEST_KEY");
}

TEST(BinanceApiSecretTest, RendersRedactedAndMovesOwnership) {
  ApiSecret secret(kSecret);
  EXPECT_EQ(secret.redacted(), "<secret, 64 chars>");
  EXPECT_EQ(secret.redacted().find("2b5e"), std::string::npos);
  ApiSecret moved(std::move(secret));
  EXPECT_TRUE(secret.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_EQ(moved.reveal(), kSecret);
  ApiSecret assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.size(), 64u);
}

}  // namespace
}  // namespace ballast::binance::credentials_test
