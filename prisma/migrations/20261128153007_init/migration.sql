-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Customer" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "language" TEXT NOT NULL DEFAULT 'ar',
    "tier" TEXT NOT NULL DEFAULT 'standard',
    "accountValueAmount" DECIMAL(16,2),
    "accountValueCurrency" TEXT,
    "externalRef" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerPhone" (
    "customerId" TEXT NOT NULL,
    "e164" TEXT NOT NULL,

    CONSTRAINT "CustomerPhone_pkey" PRIMARY KEY ("customerId","e164")
);

-- CreateTable
CREATE TABLE "Agent" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "skills" JSONB NOT NULL DEFAULT '{}',
    "languages" TEXT[],
    "twilioIdentity" TEXT,
    "connectAgentArn" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Agent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IvrFlow" (
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "definition" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "comment" TEXT,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IvrFlow_pkey" PRIMARY KEY ("name","version")
);

-- CreateTable
CREATE TABLE "Call" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerCallId" TEXT NOT NULL,
    "fromE164" TEXT,
    "fromRaw" TEXT NOT NULL,
    "to" TEXT,
    "customerId" TEXT,
    "flowName" TEXT NOT NULL,
    "flowVersion" INTEGER NOT NULL,
    "language" TEXT NOT NULL,
    "session" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'in_ivr',
    "queue" TEXT,
    "intent" TEXT,
    "stepSeq" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMP(3),
    "durationSeconds" INTEGER,
    "endStatus" TEXT,
    "interactionId" TEXT,

    CONSTRAINT "Call_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CallStep" (
    "callId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "nodeId" TEXT NOT NULL,
    "input" TEXT,
    "result" TEXT NOT NULL,
    "events" JSONB NOT NULL,
    "response" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CallStep_pkey" PRIMARY KEY ("callId","seq")
);

-- CreateTable
CREATE TABLE "Interaction" (
    "id" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "customerId" TEXT,
    "phoneE164" TEXT,
    "channel" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "status" TEXT,
    "at" TIMESTAMP(3) NOT NULL,
    "summary" TEXT NOT NULL,
    "text" TEXT,
    "sentimentLabel" TEXT,
    "sentimentScore" DOUBLE PRECISION,
    "callId" TEXT,
    "details" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Interaction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CustomerPhone_e164_idx" ON "CustomerPhone"("e164");

-- CreateIndex
CREATE INDEX "Call_customerId_idx" ON "Call"("customerId");

-- CreateIndex
CREATE UNIQUE INDEX "Call_provider_providerCallId_key" ON "Call"("provider", "providerCallId");

-- CreateIndex
CREATE UNIQUE INDEX "Interaction_idempotencyKey_key" ON "Interaction"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Interaction_customerId_at_id_idx" ON "Interaction"("customerId", "at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Interaction_phoneE164_idx" ON "Interaction"("phoneE164");

-- AddForeignKey
ALTER TABLE "CustomerPhone" ADD CONSTRAINT "CustomerPhone_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CallStep" ADD CONSTRAINT "CallStep_callId_fkey" FOREIGN KEY ("callId") REFERENCES "Call"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Interaction" ADD CONSTRAINT "Interaction_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
