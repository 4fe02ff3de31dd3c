#include "services/relay/ack_watermark.h"

#include "gtest/gtest.h"

namespace probation::relay {
namespace {

TEST(AckWatermark, WaitsForTheOldestEventWhenLanesFinishOutOfOrder) {
  AckWatermark watermark;
  for (int64_t sequence : {11, 12, 14, 17}) ASSERT_TRUE(watermark.Received(sequence));
  EXPECT_EQ(watermark.in_flight(), 4);
  // Two lanes finish later events first: nothing may be acknowledged past 11.
  watermark.Delivered(14);
  watermark.Delivered(12);
  EXPECT_EQ(watermark.watermark(), 0);
  EXPECT_FALSE(watermark.NextAck(100).has_value());
  watermark.Delivered(11);
  // 11, 12 and 14 are done; 13 was never received (filtered out by the server).
  EXPECT_EQ(watermark.watermark(), 14);
  EXPECT_EQ(watermark.in_flight(), 1);
  std::optional<PendingAck> ack = watermark.NextAck(100);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->sequence, 14);
  watermark.Acknowledged(*ack);
  EXPECT_FALSE(watermark.NextAck(100).has_value());
  watermark.Delivered(17);
  EXPECT_EQ(watermark.NextAck(100)->sequence, 17);
}

TEST(AckWatermark, DeadLettersTravelWithTheAcknowledgementThatCoversThem) {
  AckWatermark watermark;
  for (int64_t sequence = 1; sequence <= 5; ++sequence) watermark.Received(sequence);
  watermark.DeadLettered({4, 8, "HTTP 503"});
  watermark.Delivered(1);
  watermark.Delivered(2);
  // 4 is done but above the watermark (3 is not): it waits, as the server refuses a dead
  // letter above the acknowledged sequence.
  std::optional<PendingAck> ack = watermark.NextAck(100);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->sequence, 2);
  EXPECT_TRUE(ack->dead_letters.empty());
  watermark.Acknowledged(*ack);
  watermark.Delivered(3);
  ack = watermark.NextAck(100);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->sequence, 4);
  ASSERT_EQ(ack->dead_letters.size(), 1u);
  EXPECT_EQ(ack->dead_letters[0].sequence, 4);
  EXPECT_EQ(ack->dead_letters[0].attempts, 8);
  EXPECT_EQ(ack->dead_letters[0].last_error, "HTTP 503");
  watermark.Acknowledged(*ack);
  EXPECT_FALSE(watermark.NextAck(100).has_value());
}

TEST(AckWatermark, AFailedAcknowledgementIsOfferedAgain) {
  AckWatermark watermark;
  watermark.Received(7);
  watermark.DeadLettered({7, 1, "HTTP 410"});
  const std::optional<PendingAck> first = watermark.NextAck(100);
  ASSERT_TRUE(first.has_value());
  // Not Acknowledged (the call failed): the same again, with what finished since.
  watermark.Received(8);
  watermark.Delivered(8);
  const std::optional<PendingAck> again = watermark.NextAck(100);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->sequence, 8);
  ASSERT_EQ(again->dead_letters.size(), 1u);
  EXPECT_EQ(again->dead_letters[0].sequence, 7);
}

// Each batch acknowledges only up to just below the first dead letter it leaves out, so a
// failure between two calls loses none of them.
TEST(AckWatermark, SplitsDeadLettersIntoBatchesLowestFirstNeverAcknowledgingPastOneUnsent) {
  AckWatermark watermark;
  for (int64_t sequence = 1; sequence <= 250; ++sequence) {
    watermark.Received(sequence);
    watermark.DeadLettered({sequence, 8, "timeout"});
  }
  std::vector<size_t> sizes;
  std::vector<int64_t> sequences;
  while (std::optional<PendingAck> ack = watermark.NextAck(100)) {
    sequences.push_back(ack->sequence);
    for (const DeadLetterRecord& dead_letter : ack->dead_letters) {
      EXPECT_LE(dead_letter.sequence, ack->sequence);
    }
    sizes.push_back(ack->dead_letters.size());
    if (!ack->dead_letters.empty()) {
      EXPECT_EQ(ack->dead_letters.front().sequence,
                static_cast<int64_t>(sizes.size() - 1) * 100 + 1);
    }
    watermark.Acknowledged(*ack);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{100, 100, 50}));
  EXPECT_EQ(sequences, (std::vector<int64_t>{100, 200, 250}));
  EXPECT_FALSE(watermark.AckDue());
}

// Events done behind one still being retried move nothing: no acknowledgement is due, and
// all of them are held (what max_in_flight bounds).
TEST(AckWatermark, NothingIsDueBehindAnEventStillBeingRetried) {
  AckWatermark watermark;
  for (int64_t sequence = 1; sequence <= 10; ++sequence) watermark.Received(sequence);
  for (int64_t sequence = 2; sequence <= 10; ++sequence) watermark.Delivered(sequence);
  EXPECT_EQ(watermark.in_flight(), 1);
  EXPECT_EQ(watermark.held(), 10);
  EXPECT_EQ(watermark.done_since_ack(), 9);
  EXPECT_FALSE(watermark.AckDue());
  EXPECT_FALSE(watermark.NextAck(100).has_value());
  watermark.Delivered(1);
  EXPECT_TRUE(watermark.AckDue());
  EXPECT_EQ(watermark.held(), 0);
  EXPECT_EQ(watermark.NextAck(100)->sequence, 10);
}

TEST(AckWatermark, RefusesRepeatsAndIgnoresUnknownCompletions) {
  AckWatermark watermark;
  EXPECT_TRUE(watermark.Received(5));
  EXPECT_FALSE(watermark.Received(5));
  EXPECT_FALSE(watermark.Received(3));
  EXPECT_EQ(watermark.in_flight(), 1);
  watermark.Delivered(4);
  watermark.Delivered(5);
  watermark.Delivered(5);
  EXPECT_EQ(watermark.watermark(), 5);
  EXPECT_EQ(watermark.in_flight(), 0);
  EXPECT_EQ(watermark.done_since_ack(), 1);
}

}  // namespace
}  // namespace probation::relay
