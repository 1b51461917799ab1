// Store locations as given to --db and shown in messages (db/store.h).
#include <gtest/gtest.h>

#include "db/store.h"

namespace tuneup {
namespace {

TEST(StoreLocationTest, ServersAreUris) {
  EXPECT_TRUE(IsServerLocation("postgresql://u@h/db"));
  EXPECT_FALSE(IsServerLocation("/var/lib/tuneup.db"));
  EXPECT_FALSE(IsServerLocation("sqlite:tuneup.db"));
}

TEST(StoreLocationTest, PasswordsAreNeverShown) {
  EXPECT_EQ(RedactLocation("postgresql://tuneup:s3cr:et@db.example:5432/tuneup"),
            "postgresql://tuneup:***@db.example:5432/tuneup");
  EXPECT_EQ(RedactLocation("postgresql://tuneup@db.example:5432/tuneup"),
            "postgresql://tuneup@db.example:5432/tuneup");
  EXPECT_EQ(RedactLocation("postgresql://db.example:5432/tuneup?user=a"),
            "postgresql://db.example:5432/tuneup?user=a");
  EXPECT_EQ(RedactLocation("/tmp/a:b@c.db"), "/tmp/a:b@c.db");
}

}  // namespace
}  // namespace tuneup
