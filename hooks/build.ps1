# ASK CLI custom build flow on Windows: the same as hooks/build.sh — install the build tools on a fresh clone,
# rebuild the bundle from lambda/*.ts and write the reproducible zip the CLI asks for.
param([string]$ZipFile, [bool]$Debug = $false)
$ErrorActionPreference = 'Stop'
$ZipFile = [System.IO.Path]::GetFullPath($ZipFile)  # the CLI runs us from its build folder
$root = Resolve-Path (Join-Path $PSScriptRoot '..')
Push-Location $root
try {
  if (-not (Test-Path 'node_modules')) {
    Write-Host 'hooks/build.ps1: node_modules is missing, running npm ci first'
    npm ci --no-audit --no-fund; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
  }
  npm run --silent build -- --zip $ZipFile; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
} finally { Pop-Location }
