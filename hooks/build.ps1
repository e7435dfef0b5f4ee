# ASK CLI custom build flow on Windows: rebuild the bundle, then zip dist/lambda into the file the CLI asks for.
param([string]$ZipFile, [bool]$Debug = $false)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '..')
Push-Location $root
try { npm run --silent build; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE } } finally { Pop-Location }
if (Test-Path $ZipFile) { Remove-Item $ZipFile }
Compress-Archive -Path (Join-Path $root 'dist/lambda/*') -DestinationPath $ZipFile
