-- CreateTable
CREATE TABLE "AgentConnection" (
    "connectionId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "connectedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AgentConnection_pkey" PRIMARY KEY ("connectionId")
);

-- CreateIndex
CREATE INDEX "AgentConnection_agentId_idx" ON "AgentConnection"("agentId");
