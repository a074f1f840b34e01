-- CreateTable
CREATE TABLE "SupervisorAlert" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "callId" TEXT,
    "customerId" TEXT,
    "alert" JSONB NOT NULL,
    "raisedAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SupervisorAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SupervisorAlert_expiresAt_idx" ON "SupervisorAlert"("expiresAt");

-- CreateIndex
CREATE INDEX "SupervisorAlert_customerId_idx" ON "SupervisorAlert"("customerId");

-- CreateIndex
CREATE INDEX "SupervisorAlert_callId_idx" ON "SupervisorAlert"("callId");
