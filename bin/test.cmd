@echo off
rem Sets up (when needed), lints and runs the tests, CPU only and headless (bin\setup.py).
where py >nul 2>nul
if %errorlevel%==0 (py -3 "%~dp0setup.py" test %*) else (python "%~dp0setup.py" test %*)
exit /b %errorlevel%
