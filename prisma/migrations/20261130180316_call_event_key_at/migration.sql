-- CreateIndex
CREATE INDEX "CallEvent_key_at_idx" ON "CallEvent"("key", "at");
