-- CreateTable
CREATE TABLE "AccessLogEntry" (
    "id" TEXT NOT NULL,
    "seq" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "onBehalfOf" TEXT,
    "outcome" TEXT NOT NULL,

    CONSTRAINT "AccessLogEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ErasureReceipt" (
    "customerId" TEXT NOT NULL,
    "erasedAt" TIMESTAMP(3) NOT NULL,
    "erasedBy" TEXT NOT NULL,
    "counts" JSONB NOT NULL,
    "voiceprint" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ErasureReceipt_pkey" PRIMARY KEY ("customerId")
);

-- CreateIndex
CREATE UNIQUE INDEX "AccessLogEntry_seq_key" ON "AccessLogEntry"("seq");

-- CreateIndex
CREATE INDEX "AccessLogEntry_customerId_at_idx" ON "AccessLogEntry"("customerId", "at" DESC);

-- CreateIndex
CREATE INDEX "AccessLogEntry_actor_at_idx" ON "AccessLogEntry"("actor", "at" DESC);

-- CreateIndex
CREATE INDEX "AccessLogEntry_at_idx" ON "AccessLogEntry"("at");

-- CreateIndex
CREATE INDEX "ErasureReceipt_voiceprint_idx" ON "ErasureReceipt"("voiceprint");

-- CreateIndex
CREATE INDEX "ErasureReceipt_erasedAt_idx" ON "ErasureReceipt"("erasedAt");

-- CreateIndex
CREATE INDEX "CallEvent_at_idx" ON "CallEvent"("at");

-- CreateIndex
CREATE INDEX "CallStep_createdAt_idx" ON "CallStep"("createdAt");

-- CreateIndex
CREATE INDEX "Interaction_at_idx" ON "Interaction"("at");
