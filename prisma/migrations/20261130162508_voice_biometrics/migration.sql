-- CreateTable
CREATE TABLE "Voiceprint" (
    "speakerId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "liveFor" TEXT,
    "status" TEXT NOT NULL,
    "enrolledAt" TIMESTAMP(3),
    "deleteReason" TEXT,
    "deleteAttempts" INTEGER NOT NULL DEFAULT 0,
    "nextDeleteAt" TIMESTAMP(3),
    "lastDeleteError" TEXT,
    "deletedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Voiceprint_pkey" PRIMARY KEY ("speakerId")
);

-- CreateTable
CREATE TABLE "VoiceprintAudit" (
    "id" TEXT NOT NULL,
    "speakerId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "reason" TEXT,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VoiceprintAudit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BiometricRequest" (
    "id" TEXT NOT NULL,
    "callId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "speakerId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "speechSeconds" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "failure" TEXT,
    "decision" TEXT,
    "score" DOUBLE PRECISION,
    "spoof" BOOLEAN,
    "watchlistHit" BOOLEAN,
    "risk" DOUBLE PRECISION,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "sentAt" TIMESTAMP(3),
    "resultAt" TIMESTAMP(3),

    CONSTRAINT "BiometricRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Voiceprint_liveFor_key" ON "Voiceprint"("liveFor");

-- CreateIndex
CREATE INDEX "Voiceprint_customerId_idx" ON "Voiceprint"("customerId");

-- CreateIndex
CREATE INDEX "Voiceprint_status_nextDeleteAt_idx" ON "Voiceprint"("status", "nextDeleteAt");

-- CreateIndex
CREATE INDEX "VoiceprintAudit_speakerId_idx" ON "VoiceprintAudit"("speakerId");

-- CreateIndex
CREATE INDEX "VoiceprintAudit_at_idx" ON "VoiceprintAudit"("at");

-- CreateIndex
CREATE INDEX "BiometricRequest_customerId_idx" ON "BiometricRequest"("customerId");

-- CreateIndex
CREATE UNIQUE INDEX "BiometricRequest_callId_kind_key" ON "BiometricRequest"("callId", "kind");
