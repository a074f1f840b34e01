-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "activeCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "idleSince" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "maxConcurrency" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "missedOffers" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "queues" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "state" TEXT NOT NULL DEFAULT 'offline',
ADD COLUMN     "stateReason" TEXT,
ADD COLUMN     "stateSince" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "wrapUpSeconds" INTEGER NOT NULL DEFAULT 30,
ADD COLUMN     "wrapUpUntil" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "AgentStateEvent" (
    "id" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "reason" TEXT,
    "source" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentStateEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoutingQueue" (
    "name" TEXT NOT NULL,
    "displayName" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RoutingQueue_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "RoutingRuleSet" (
    "version" INTEGER NOT NULL,
    "document" JSONB NOT NULL,
    "comment" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RoutingRuleSet_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "RoutingActive" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RoutingActive_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoutingAudit" (
    "id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "fromVersion" INTEGER,
    "by" TEXT NOT NULL,
    "comment" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RoutingAudit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QueueEntry" (
    "id" TEXT NOT NULL,
    "callId" TEXT NOT NULL,
    "customerId" TEXT,
    "language" TEXT NOT NULL DEFAULT 'ar',
    "kind" TEXT NOT NULL DEFAULT 'call',
    "queue" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "enqueuedAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'waiting',
    "ruleVersion" INTEGER NOT NULL,
    "rule" TEXT NOT NULL,
    "decision" JSONB NOT NULL,
    "context" JSONB NOT NULL,
    "stepIndex" INTEGER NOT NULL DEFAULT -1,
    "excludedAgents" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "callbackNumber" TEXT,
    "outcome" TEXT,
    "agentId" TEXT,
    "assignedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "QueueEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Reservation" (
    "id" TEXT NOT NULL,
    "entryId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "respondedAt" TIMESTAMP(3),

    CONSTRAINT "Reservation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AgentStateEvent_agentId_at_idx" ON "AgentStateEvent"("agentId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "QueueEntry_callId_key" ON "QueueEntry"("callId");

-- CreateIndex
CREATE INDEX "QueueEntry_status_priority_enqueuedAt_idx" ON "QueueEntry"("status", "priority", "enqueuedAt");

-- CreateIndex
CREATE INDEX "QueueEntry_customerId_assignedAt_idx" ON "QueueEntry"("customerId", "assignedAt");

-- CreateIndex
CREATE INDEX "Reservation_status_expiresAt_idx" ON "Reservation"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "Reservation_agentId_status_idx" ON "Reservation"("agentId", "status");

-- CreateIndex
CREATE INDEX "Agent_state_idx" ON "Agent"("state");

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_entryId_fkey" FOREIGN KEY ("entryId") REFERENCES "QueueEntry"("id") ON DELETE CASCADE ON UPDATE CASCADE;
