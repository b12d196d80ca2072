-- Argo CD health check for FLCluster, FederatedJob and ModelMigration (federatedlearning.dev).
-- Argo CD runs it with the live object in `obj`; it returns {status = ..., message = ...}.
-- Installed under argocd-cm keys resource.customizations.health.federatedlearning.dev_<Kind>
-- (argocd-cm.yaml in this directory is generated from this file). The mapping follows kstatus:
--   no status / observedGeneration behind metadata.generation -> Progressing
--   Stalled=True -> Degraded (its reason and message): the controllers set it for every terminal
--   failure (a FederatedJob past backoffLimit/deadline, a ModelMigration party out of attempts
--   once nothing else runs), an invalid spec and a peer down past its bound. A ModelMigration
--   whose failed party waits for others still running is Progressing, as kstatus says.
--   FederatedJob spec.runPolicy.suspend -> Suspended
--   Reconciling=True -> Progressing
--   Ready=True -> Healthy; otherwise Progressing (Ready=False without Stalled is "not yet" to
--   kstatus too: the operator sets Stalled=True when it gives up or needs a human)
local hs = {}

local function condition(ctype)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == ctype then
      return c
    end
  end
  return nil
end

local function isTrue(ctype)
  local c = condition(ctype)
  return c ~= nil and c.status == "True"
end

local function describe(c, fallback)
  if c == nil then
    return fallback
  end
  local reason = c.reason or ""
  local message = c.message or ""
  if reason ~= "" and message ~= "" then
    return reason .. ": " .. message
  end
  if reason ~= "" then
    return reason
  end
  if message ~= "" then
    return message
  end
  return fallback
end

local kind = obj.kind or ""

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

local generation = obj.metadata and obj.metadata.generation
local observed = obj.status.observedGeneration
if observed == nil or (generation ~= nil and observed < generation) then
  hs.status = "Progressing"
  if generation ~= nil then
    hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  else
    hs.message = "Waiting for the operator to observe the latest spec"
  end
  return hs
end

if isTrue("Stalled") then
  hs.status = "Degraded"
  hs.message = describe(condition("Stalled"), "Stalled")
  return hs
end

if kind == "FederatedJob" and obj.spec ~= nil and obj.spec.runPolicy ~= nil
    and obj.spec.runPolicy.suspend == true then
  hs.status = "Suspended"
  hs.message = "Suspended by spec.runPolicy.suspend"
  return hs
end

if isTrue("Reconciling") then
  hs.status = "Progressing"
  hs.message = describe(condition("Reconciling"), "Reconciling")
  return hs
end

local ready = condition("Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end
if ready ~= nil and ready.status == "False" then
  hs.status = "Progressing"
  hs.message = describe(ready, "Not ready")
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready, "Waiting for the Ready condition")
return hs
