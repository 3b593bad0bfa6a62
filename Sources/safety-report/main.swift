// Entry point placeholder; replaced by the ArgumentParser command.
print("safety-report")
