{{/*
Expand the name of the chart.
*/}}
{{- define "relay.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 56 chars (not 63) so that the longest suffix we add, "-public", still fits a DNS label.
If release name contains chart name it will be used as a full name.
*/}}
{{- define "relay.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 56 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 56 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 56 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "relay.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "relay.labels" -}}
helm.sh/chart: {{ include "relay.chart" . }}
{{ include "relay.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels
*/}}
{{- define "relay.selectorLabels" -}}
app.kubernetes.io/name: {{ include "relay.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "relay.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "relay.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The server image.
*/}}
{{- define "relay.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The Secret holding the client tokens and the admin token: the chart's own, or auth.existingSecret.
*/}}
{{- define "relay.secretName" -}}
{{- default (include "relay.fullname" .) .Values.auth.existingSecret }}
{{- end }}

{{- define "relay.tokensKey" -}}
{{- if .Values.auth.existingSecret }}{{ .Values.auth.existingSecretKeys.tokens }}{{ else }}tokens{{ end }}
{{- end }}

{{- define "relay.adminTokenKey" -}}
{{- if .Values.auth.existingSecret }}{{ .Values.auth.existingSecretKeys.adminToken }}{{ else }}admin-token{{ end }}
{{- end }}

{{/*
The host advertised in tunnel addresses; the public Service's in-cluster name when publicHost is empty.
*/}}
{{- define "relay.publicHost" -}}
{{- default (printf "%s-public.%s.svc" (include "relay.fullname" .) .Release.Namespace) .Values.publicHost }}
{{- end }}

{{/*
The public ports, start to end inclusive, as a list of integers.
*/}}
{{- define "relay.publicPorts" -}}
{{- $start := int .Values.portRange.start }}
{{- $end := int .Values.portRange.end }}
{{- toJson (untilStep $start (int (add $end 1)) 1) }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the configured value, or preStop sleep + drain timeout + 15s.
*/}}
{{- define "relay.terminationGracePeriodSeconds" -}}
{{- $minimum := add .Values.shutdown.preStopSleepSeconds .Values.shutdown.drainTimeoutSeconds }}
{{- if kindIs "invalid" .Values.shutdown.terminationGracePeriodSeconds }}
{{- add $minimum 15 }}
{{- else }}
{{- int .Values.shutdown.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/*
Checks across values that the schema cannot express. Fails the render with a message naming the value.
*/}}
{{- define "relay.validate" -}}
{{- $start := int .Values.portRange.start }}
{{- $end := int .Values.portRange.end }}
{{- if gt $start $end }}
{{- fail (printf "portRange: %d-%d (expected: start <= end)" $start $end) }}
{{- end }}
{{- if gt (sub $end $start) 99 }}
{{- fail (printf "portRange: %d-%d is %d ports (expected: at most 100; each is a Service port)" $start $end (add (sub $end $start) 1)) }}
{{- end }}
{{- $control := int .Values.controlPort }}
{{- $admin := int .Values.adminPort }}
{{- if eq $control $admin }}
{{- fail (printf "controlPort and adminPort: both %d (expected: different ports)" $control) }}
{{- end }}
{{- range $name, $port := dict "controlPort" $control "adminPort" $admin }}
{{- if and (ge $port $start) (le $port $end) }}
{{- fail (printf "%s: %d (expected: outside portRange %d-%d)" $name $port $start $end) }}
{{- end }}
{{- end }}
{{- $minimum := add .Values.shutdown.preStopSleepSeconds .Values.shutdown.drainTimeoutSeconds }}
{{- $grace := int (include "relay.terminationGracePeriodSeconds" .) }}
{{- if le $grace (int $minimum) }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds: %d (expected: > preStopSleepSeconds + drainTimeoutSeconds = %d)" $grace (int $minimum)) }}
{{- end }}
{{- end }}
